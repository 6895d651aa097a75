/**
 * Property test on SSE framing (RELIABILITY.md case 10): the fakes' byte streams cut at random points,
 * inside events and inside multi-byte characters, must give exactly the unsplit text.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudTestApp, type CloudTestApp } from '../helpers/cloud-test-app.ts';

let app: CloudTestApp;
beforeAll(async () => {
  app = await startCloudTestApp();
});
afterAll(async () => {
  await app.close();
});

const token = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }),
  fc.constantFrom('\n', '\n\n', '\r\n', 'data: x', '"}', '😀', 'é', '\u0000', ' '),
);
const tokens = fc.array(token, { minLength: 1, maxLength: 12 });
const cuts = fc.array(fc.nat({ max: 4000 }), { maxLength: 25 });

describe.each([
  ['openai', 'openai/gpt-4o-mini'],
  ['anthropic', 'anthropic/claude-haiku-4-5'],
  ['groq', 'groq/llama-3.1-8b-instant'],
] as const)('%s SSE split at random points', (name, model) => {
  it('assembles exactly the text of the unsplit stream', async () => {
    await fc.assert(
      fc.asyncProperty(tokens, cuts, async (list, splitAt) => {
        app[name].setBehaviour({ tokens: list, splitAt });
        const response = await app.post('/api/generate', { prompt: 'Hi', model });
        const body = (await response.json()) as { response: string; finish_reason: string };
        expect(response.status).toBe(200);
        expect(body.response).toBe(list.join(''));
        expect(body.finish_reason).toBe('stop');
      }),
      { numRuns: 25 },
    );
  });
});
