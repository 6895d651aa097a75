/**
 * The Worker build's plugin (scripts/worker-streams-plugin.mjs) on the installed packages: the
 * providers' graph gets instances of its own on the JavaScript web streams, the same packages imported
 * from anywhere else stay as they are, and a build that misses a part of that graph fails.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  guardFiles,
  importsProviderCopy,
  providerCopySuffix,
  providerModules,
  usesJavaScriptStreams,
  withJavaScriptStreams,
  workerStreamsEsbuildPlugin,
} from '../../scripts/worker-streams-plugin.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const options = {
  bundle: true,
  write: false,
  metafile: true,
  format: 'esm' as const,
  platform: 'neutral' as const,
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['browser', 'module', 'main'],
  external: ['cloudflare:*'],
  logLevel: 'silent' as const,
  plugins: [workerStreamsEsbuildPlugin],
} satisfies BuildOptions;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(root, 'node_modules/.worker-streams-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const inputsOf = (metafile: Metafile | undefined) => Object.keys(metafile?.inputs ?? {});

describe('worker-streams plugin', () => {
  it("bundles the Worker with the providers' own instances of their packages, on the JavaScript streams", async () => {
    const result = await build({ ...options, entryPoints: [join(root, 'src/entry/worker.ts')] });
    const inputs = inputsOf(result.metafile);
    const copies = inputs.filter((input) => input.endsWith(providerCopySuffix));
    for (const name of [
      'ollama-ai-provider-v2',
      '@ai-sdk/openai',
      '@ai-sdk/anthropic',
      '@ai-sdk/openai-compatible',
      '@ai-sdk/provider-utils',
      'eventsource-parser',
    ]) {
      expect(copies.some((input) => input.includes(`node_modules/${name}/`))).toBe(true);
    }
    // The `ai` package (the Worker imports its error classes) keeps the shared provider-utils.
    expect(inputs).toContain('node_modules/@ai-sdk/provider-utils/dist/index.js');
    expect(inputs.some((input) => input.endsWith('src/streaming/javascript-web-streams.ts'))).toBe(true);
    expect(result.outputFiles[0]?.text).toContain('web-streams-polyfill');
  }, 30_000);

  it("fails a build in which a part of the providers' graph is missing, naming it", async () => {
    const entry = join(scratch, 'only-ollama.ts');
    await writeFile(entry, "export { createOllama } from 'ollama-ai-provider-v2';\n");
    await expect(build({ ...options, entryPoints: [entry] })).rejects.toThrow(
      /src\/providers\/ollama-stream-guard\.ts.*did not get the JavaScript streams/s,
    );
  });

  it('leaves the packages as they are when imported from outside src/providers/', async () => {
    const entry = join(scratch, 'elsewhere.ts');
    await writeFile(entry, "export { createOpenAI } from '@ai-sdk/openai';\n");
    const result = await build({ ...options, entryPoints: [entry], plugins: [] });
    const withPlugin = await build({ ...options, entryPoints: [entry] }).catch((error: unknown) => error);
    expect(inputsOf(result.metafile).some((input) => input.endsWith(providerCopySuffix))).toBe(false);
    // With the plugin the build fails (no provider module imported these), and makes no copy either.
    expect(String(withPlugin)).toMatch(/did not get the JavaScript streams/);
  });

  it('gives the polyfill no queueMicrotask, so its tee and async iteration take its own promise path', async () => {
    const entry = join(root, 'src/streaming/javascript-web-streams.ts');
    const plain = await build({ ...options, entryPoints: [entry], plugins: [] });
    expect(plain.outputFiles[0]?.text).toContain('queueMicrotask');
    const withPlugin = await build({ ...options, entryPoints: [entry] }).catch((error: unknown) => error);
    // Alone it misses the providers (so the build fails), but the polyfill was loaded through the plugin.
    expect(String(withPlugin)).not.toMatch(/web-streams-polyfill did not/);
    expect(String(withPlugin)).toMatch(/ollama-ai-provider-v2/);
    // In the Worker bundle the polyfill's module has a queueMicrotask binding of its own, undefined.
    const worker = await build({ ...options, entryPoints: [join(root, 'src/entry/worker.ts')] });
    const text = worker.outputFiles[0]?.text ?? '';
    const polyfillStart = text.indexOf('"node_modules/web-streams-polyfill/dist/ponyfill.mjs"()');
    expect(polyfillStart).toBeGreaterThan(-1);
    expect(text.slice(polyfillStart, polyfillStart + 200)).toMatch(/^[^{]*\{\s*queueMicrotask = void 0;/);
  }, 30_000);

  it('decides per importer which instance an import is', () => {
    const provider = join(root, 'src/providers/openai-provider.ts');
    expect(importsProviderCopy('@ai-sdk/openai', provider)).toBe(true);
    expect(importsProviderCopy('@ai-sdk/openai', join(root, 'src/routes/openai.ts'))).toBe(false);
    expect(importsProviderCopy('@ai-sdk/provider-utils', join(root, 'node_modules/ai/dist/index.js'))).toBe(false);
    expect(
      importsProviderCopy('@ai-sdk/provider-utils', join(root, 'node_modules/@ai-sdk/openai/dist/index.js'), providerCopySuffix),
    ).toBe(true);
    expect(importsProviderCopy('zod', provider)).toBe(false);
    expect(providerModules).toContain('eventsource-parser/stream');
    for (const guard of guardFiles) expect(usesJavaScriptStreams(join(root, guard.name))).toBe(true);
    expect(usesJavaScriptStreams(join(root, 'src/streaming/sse-stream.ts'))).toBe(false);
    expect(withJavaScriptStreams('const x = 1;\n').split('\n')).toHaveLength(2);
  });
});
