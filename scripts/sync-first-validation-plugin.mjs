/**
 * An esbuild plugin for the Node bundle: `@ai-sdk/provider-utils` validates every streamed chunk
 * with `await safeParseAsync(zodSchema, value)`, which keeps zod 4 off its compiled fast path; the
 * bundle calls src/providers/sync-first-validation.ts there instead (same results, synchronous
 * unless the schema has async checks). Measured: README "What bought what". The build fails when
 * the package's main file no longer has that call exactly once, so an upgrade cannot drop the
 * replacement unnoticed.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const call = 'await safeParseAsync(zodSchema, value)';
const replacement = 'await __safeParseSyncFirst(zodSchema, value)';
const syncFirstModule = fileURLToPath(new URL('../src/providers/sync-first-validation.ts', import.meta.url));
const providerUtilsFile = /[\\/]node_modules[\\/]@ai-sdk[\\/]provider-utils[\\/]dist[\\/].*\.js$/;

/** The file with the call replaced (and the import it needs), or the file as it was when it has none. */
export function replaceZodValidation(source, path) {
  const count = source.split(call).length - 1;
  const main = /[\\/]provider-utils[\\/]dist[\\/]index\.js$/.test(path);
  if (main && count !== 1) {
    throw new Error(
      `${path}: expected "${call}" once, found it ${String(count)} times; see scripts/sync-first-validation-plugin.mjs`,
    );
  }
  if (count === 0) return source;
  // On the first line, so the lines of the package's own source map still match.
  return `import { safeParseSyncFirst as __safeParseSyncFirst } from ${JSON.stringify(syncFirstModule)}; ${source.replaceAll(call, replacement)}`;
}

export const syncFirstValidationPlugin = {
  name: 'sync-first-validation',
  setup(build) {
    build.onLoad({ filter: providerUtilsFile }, async ({ path }) => ({
      contents: replaceZodValidation(await readFile(path, 'utf8'), path),
      loader: 'js',
    }));
  },
};
