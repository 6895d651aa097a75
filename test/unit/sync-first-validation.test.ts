/**
 * safeParseSyncFirst (the Node bundle's replacement for provider-utils' per-chunk safeParseAsync): the
 * same results as safeParseAsync, synchronously when the schema allows it, and the plugin that puts it
 * into the bundle.
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { safeParseAsync, z } from 'zod/v4';
import { replaceZodValidation, syncFirstValidationPlugin } from '../../scripts/sync-first-validation-plugin.mjs';
import { safeParseSyncFirst } from '../../src/providers/sync-first-validation.ts';

const chunkSchema = z.union([
  z.object({
    id: z.string().nullish(),
    choices: z.array(
      z.object({
        delta: z.object({ role: z.enum(['assistant']).nullish(), content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
        index: z.number(),
      }),
    ),
  }),
  z.object({ error: z.object({ message: z.string(), type: z.string().nullish() }) }),
]);

const values: { name: string; value: unknown }[] = [
  { name: 'a content chunk', value: { id: 'c1', choices: [{ index: 0, delta: { content: 'Hi' }, extra: true }] } },
  { name: 'an error event', value: { error: { message: 'overloaded', type: 'server_error' } } },
  { name: 'a chunk of the wrong shape', value: { choices: [{ index: 'zero', delta: { content: 5 } }] } },
  { name: 'not an object', value: 'data' },
];

describe('safeParseSyncFirst', () => {
  for (const { name, value } of values) {
    it(`parses ${name} synchronously, as safeParseAsync does`, async () => {
      const result = safeParseSyncFirst(chunkSchema, value);
      expect(result).not.toBeInstanceOf(Promise);
      const expected = await safeParseAsync(chunkSchema, value);
      expect(await result).toEqual(expected);
      expect((await result).error?.issues).toEqual(expected.error?.issues);
    });
  }

  it('falls back to an asynchronous parse for a schema with an async check', async () => {
    const checked = z.object({ name: z.string() }).refine(async (value) => {
      await Promise.resolve();
      return value.name !== 'taken';
    }, 'taken');
    const free = safeParseSyncFirst(checked, { name: 'free' });
    expect(free).toBeInstanceOf(Promise);
    expect(await free).toEqual(await safeParseAsync(checked, { name: 'free' }));
    const taken = await safeParseSyncFirst(checked, { name: 'taken' });
    expect(taken.success).toBe(false);
    expect(taken.error?.issues).toEqual((await safeParseAsync(checked, { name: 'taken' })).error?.issues);
  });

  it('lets an error thrown by a check through, as safeParseAsync rejects with it', async () => {
    const failing = z.string().refine(() => {
      throw new Error('check failed');
    });
    expect(() => safeParseSyncFirst(failing, 'x')).toThrow('check failed');
    await expect(safeParseAsync(failing, 'x')).rejects.toThrow('check failed');
  });
});

const providerUtils = fileURLToPath(new URL('../../node_modules/@ai-sdk/provider-utils/dist/index.js', import.meta.url));

describe('the sync-first validation plugin', () => {
  it("replaces the installed provider-utils' one safeParseAsync call", async () => {
    const source = await readFile(providerUtils, 'utf8');
    const replaced = replaceZodValidation(source, providerUtils);
    expect(replaced).not.toContain('await safeParseAsync(zodSchema, value)');
    expect(replaced.split('await __safeParseSyncFirst(zodSchema, value)')).toHaveLength(2);
    expect(replaced.split('\n')).toHaveLength(source.split('\n').length);
  });

  it('fails the build when the main file no longer has the call, and leaves other files alone', () => {
    expect(() => replaceZodValidation('export const x = 1;', providerUtils)).toThrow(/expected .* once, found it 0 times/);
    const other = providerUtils.replace('dist/index.js', 'dist/test/index.js');
    expect(replaceZodValidation('export const x = 1;', other)).toBe('export const x = 1;');
  });

  it("gives a bundle's zodSchema validation the sync-first parse", async () => {
    const bundle = await build({
      stdin: {
        contents: "export { zodSchema } from '@ai-sdk/provider-utils';",
        resolveDir: fileURLToPath(new URL('../../', import.meta.url)),
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      plugins: [syncFirstValidationPlugin],
      logLevel: 'silent',
    });
    const text = bundle.outputFiles[0]?.text ?? '';
    expect(text).toContain('function safeParseSyncFirst(');
    expect(text).not.toMatch(/await safeParseAsync\d*\(zodSchema, value\)/);
  });
});
