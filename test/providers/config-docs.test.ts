import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.ts';

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
const providerSuffixes = [
  'BASE_URL',
  'API_KEY',
  'HEADERS',
  'MODELS',
  'HEADERS_TIMEOUT_SECONDS',
  'FIRST_TOKEN_TIMEOUT_SECONDS',
  'TOKEN_GAP_TIMEOUT_SECONDS',
  'MAX_ATTEMPTS',
];

describe('configuration documentation', () => {
  it.each([['README.md'], ['.dev.vars.example']])(
    '%s names every variable of the schema and every provider variable',
    async (path) => {
      const text = await read(path);
      for (const variable of Object.keys(configSchema.shape)) expect(text, variable).toContain(variable);
      for (const suffix of providerSuffixes) expect(text, suffix).toMatch(new RegExp(`PREFIX_${suffix}\\b`));
    },
  );
});
