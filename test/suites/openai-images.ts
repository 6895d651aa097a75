import { describe, expect, it } from 'vitest';
import { openAiClient, openAiError } from '../helpers/openai-client.ts';
import { useHarness, type CreateHarness } from './harness.ts';

/** A 1×1 transparent PNG. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
export const PNG_DATA_URL = `data:image/png;base64,${PNG_BASE64}`;

const withImage = (url: string) => ({
  model: 'ollama/llama3.2',
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url } },
      ],
    },
  ],
});

/** image_url parts on /v1/chat/completions, against Ollama (base64 `images` only). */
export function describeOpenAiImages(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('image_url parts (Ollama)', () => {
    it("sends a data URL image to Ollama as base64 in the message's images", async () => {
      const app = await start();
      const completion = await openAiClient(app).chat.completions.create({
        model: 'ollama/llama3.2',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: PNG_DATA_URL, detail: 'low' } },
            ],
          },
        ],
      });
      expect(completion.choices[0]?.message.content).toBe('Hello, world!');
      const [call] = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
      expect((call?.body as { messages: unknown[] }).messages).toEqual([
        { role: 'user', content: 'What is this?', images: [PNG_BASE64] },
      ]);
    });

    it('refuses image URLs it may not fetch with 400 naming the part, and calls nothing', async () => {
      const app = await start();
      const refused = [
        'http://example.com/cat.png',
        'https://127.0.0.1/cat.png',
        'https://10.1.2.3/cat.png',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/cat.png',
        'https://[::ffff:127.0.0.1]/cat.png',
        'https://localhost/cat.png',
        'https://printer.local/cat.png',
        'https://metadata.google.internal/cat.png',
        'https://intranet/cat.png',
        'https://example.com:8443/cat.png',
        'https://user:secret@example.com/cat.png',
        'data:image/svg+xml;base64,PHN2Zz4=',
        'data:image/png;base64,not base64!',
      ];
      for (const url of refused) {
        const error = await openAiError(await app.post('/v1/chat/completions', withImage(url)), 400);
        expect(error, url).toMatchObject({ type: 'invalid_request_error', param: 'messages.0.content.1.image_url.url' });
      }
      expect(await app.ollama.hits()).toBe(0);
    });
  });
}
