import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const wrangler = join(root, 'node_modules/.bin/wrangler');
/** Well under the Workers free-plan limit (3 MB gzip); a Node-only dependency would blow it. */
const gzipBudgetBytes = 1024 * 1024;

let directory: string;
let bundle: string;
let sources: string[];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'edge-llm-api-bundle-'));
  // The same build `npm run build:worker` and `wrangler deploy` make (wrangler runs scripts/build-worker.mjs
  // and uploads its dist/worker/worker.js as it is), without uploading anything.
  await promisify(execFile)(wrangler, ['deploy', '--dry-run', '--outdir', directory], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  bundle = await readFile(join(directory, 'worker.js'), 'utf8');
  sources = (JSON.parse(await readFile(join(root, 'dist/worker/worker.js.map'), 'utf8')) as { sources: string[] }).sources;
}, 60_000);
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('the Worker bundle (wrangler deploy --dry-run)', () => {
  it('builds from src/entry/worker.ts without Node-only modules', () => {
    expect(sources.some((source) => source.endsWith('src/entry/worker.ts'))).toBe(true);
    const nodeOnly = sources.filter((source) =>
      /@libsql\/|node_modules\/libsql\/|src\/db\/libsql\.ts|src\/entry\/(node|bun|deno|libsql-dependencies)\.ts|@hono\/node-server/.test(
        source,
      ),
    );
    expect(nodeOnly).toEqual([]);
    // No static import of a Node built-in (nodejs_compat is not enabled, so one would fail to deploy).
    expect(bundle).not.toMatch(/\bfrom\s*["']node:|\bimport\s*["']node:|require\(["']node:/);
  });

  it('is the custom build with its source map, and its providers stream on the JavaScript web streams', async () => {
    expect(bundle).toBe(await readFile(join(root, 'dist/worker/worker.js'), 'utf8'));
    expect(bundle.trimEnd().endsWith('//# sourceMappingURL=worker.js.map')).toBe(true);
    expect(sources.some((source) => source.endsWith('src/streaming/javascript-web-streams.ts'))).toBe(true);
    expect(sources.some((source) => source.includes('node_modules/web-streams-polyfill/'))).toBe(true);
  });

  it(`stays under ${String(gzipBudgetBytes / 1024)} KiB gzipped`, () => {
    expect(gzipSync(bundle).length).toBeLessThan(gzipBudgetBytes);
  });
});
