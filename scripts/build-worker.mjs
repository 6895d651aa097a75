/**
 * The Worker (src/entry/worker.ts) bundled with esbuild into dist/worker/worker.js, which wrangler.toml
 * names as `main` and runs this to build (`[build] command`): `wrangler dev`, `wrangler deploy` and
 * `npm run build:worker` all upload this file as it is (`no_bundle`). It is wrangler's own bundling
 * (the same conditions, target and minification) plus one plugin: the AI SDK providers stream on
 * JavaScript web streams instead of workerd's (scripts/worker-streams-plugin.mjs), which halved the
 * Worker's CPU per streamed answer (README "Performance").
 */
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { workerStreamsEsbuildPlugin } from './worker-streams-plugin.mjs';

const outdir = new URL('../dist/worker/', import.meta.url).pathname;
const result = await build({
  entryPoints: { worker: new URL('../src/entry/worker.ts', import.meta.url).pathname },
  outdir,
  bundle: true,
  format: 'esm',
  // What wrangler gives esbuild for a Worker (wrangler-dist/cli.js, COMMON_ESBUILD_OPTIONS and getBuildConditions).
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['browser', 'module', 'main'],
  target: 'es2024',
  supported: { 'import-source': true, using: true },
  external: ['cloudflare:*'],
  minify: true,
  // wrangler's default (keep_names): function and class names survive minification.
  keepNames: true,
  sourcemap: 'linked',
  plugins: [workerStreamsEsbuildPlugin],
  logLevel: 'warning',
  write: false,
});
// Each file is replaced at once (written beside, then renamed): wrangler runs this build for every
// `wrangler dev` and dry run, and the tests start several of those in parallel.
await mkdir(outdir, { recursive: true });
for (const file of result.outputFiles) {
  const partial = `${file.path}.${String(process.pid)}.partial`;
  await writeFile(partial, file.contents);
  await rename(partial, file.path);
}
