/**
 * `npm run build:server`: the Node server (src/entry/node.ts) bundled with esbuild into
 * dist/server/node.mjs, which `npm start` runs. Measured on Node 24 (README "Performance"): idle RSS
 * 166 → ~95 MB. Node 24's ESM loader deserializes a package's package.json again for every module it
 * resolves in it, and drizzle-orm's is 179 KB: importing it cost 135 MB of RSS as ESM against 17 MB as
 * CommonJS. One bundle has no module resolution at run time and needs no TypeScript stripping (amaro)
 * either. The native libSQL binding stays a package of its own; dynamic imports (the cloud providers,
 * the docs page) become chunks loaded when first used.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { syncFirstValidationPlugin } from './sync-first-validation-plugin.mjs';

const outdir = new URL('../dist/server/', import.meta.url).pathname;
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { node: new URL('../src/entry/node.ts', import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.12',
  minify: true,
  sourcemap: 'linked',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // The native binding of @libsql/client, loaded from node_modules as it is.
  external: ['libsql'],
  // CommonJS dependencies inside an ES module bundle call require().
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  plugins: [syncFirstValidationPlugin],
  logLevel: 'warning',
});
