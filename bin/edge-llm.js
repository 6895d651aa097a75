#!/usr/bin/env node
// `npx edge-llm`: starts the command-line client's TypeScript entry (src/cli/main.ts) with no build step.
// Node strips TypeScript types by itself from 22.18 and 23.6 on; from 22.12 it needs
// --experimental-strip-types, so there the entry runs in a child Node with that flag.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`edge-llm: needs Node.js 22.12 or newer (this is ${process.version})\n`);
  process.exit(1);
}

const entry = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (process.features.typescript) {
  await import(entry);
} else {
  const child = spawn(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', entry, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // Ctrl+C reaches the child from the terminal; this process waits for it and exits as it did.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === null ? 1 : (constants.signals[signal] ?? 1))));
}
