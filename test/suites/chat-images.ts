import { describe, expect, it } from 'vitest';
import { readSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';
import { PNG_BASE64, PNG_DATA_URL } from './openai-images.ts';

/** Tiny valid-looking images of each type: distinct base64 so each can be told apart upstream. */
const image = (index: number) => `data:image/png;base64,${btoa(`image-${String(index).padStart(3, '0')}`)}`;
const base64Of = (dataUrl: string) => dataUrl.slice(dataUrl.indexOf(',') + 1);

interface OllamaMessage {
  role: string;
  content: string;
  images?: string[];
}

async function ollamaMessages(app: Harness, index: number): Promise<OllamaMessage[]> {
  const calls = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
  return (calls[index]?.body as { messages: OllamaMessage[] }).messages;
}

async function errorFields(response: Response): Promise<string[]> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as { code: string; details: { field: string }[] };
  expect(body.code).toBe('INVALID_INPUT');
  return body.details.map((detail) => detail.field);
}

/** `images` on /api/chat and /api/chat/stream: stored with the message, returned by the history, sent on later turns. */
export function describeChatImages(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('images on the native chat routes', () => {
    it('sends the images to the model, stores them with the message and returns them in the history', async () => {
      const app = await start();
      const response = await app.post('/api/chat', { message: 'What is this?', images: [PNG_DATA_URL] });
      expect(response.status).toBe(200);
      const { conversation_id } = (await response.json()) as { conversation_id: string };
      expect(await ollamaMessages(app, 0)).toEqual([{ role: 'user', content: 'What is this?', images: [PNG_BASE64] }]);
      const history = (await (await app.fetch(`/api/history/${conversation_id}`)).json()) as {
        messages: { role: string; images?: string[] }[];
      };
      expect(history.messages.map((message) => [message.role, message.images])).toEqual([
        ['user', [PNG_DATA_URL]],
        ['assistant', undefined],
      ]);
    });

    it('sends stored images with the history on later turns, the newest four only', async () => {
      const app = await start();
      const first = await app.post('/api/chat/stream', { message: 'one', images: [image(1), image(2)] });
      const conversationId = first.headers.get('x-conversation-id') ?? '';
      await readSse(first);
      for (const [message, images] of [
        ['two', [image(3), image(4)]],
        ['three', [image(5)]],
        ['four', []],
      ] as const) {
        const next = await app.post('/api/chat', { message, images, conversation_id: conversationId });
        expect(next.status).toBe(200);
      }
      const second = await ollamaMessages(app, 1);
      expect(second.filter((message) => message.role === 'user').map((message) => message.images)).toEqual([
        [base64Of(image(1)), base64Of(image(2))],
        [base64Of(image(3)), base64Of(image(4))],
      ]);
      const last = await ollamaMessages(app, 3);
      expect(last.filter((message) => message.role === 'user').map((message) => [message.content, message.images])).toEqual([
        ['one', [base64Of(image(2))]],
        ['two', [base64Of(image(3)), base64Of(image(4))]],
        ['three', [base64Of(image(5))]],
        ['four', undefined],
      ]);
    });

    it('refuses more than four images, URLs that are not image data URLs, and other types, before storing anything', async () => {
      const app = await start();
      expect(await errorFields(await app.post('/api/chat', { message: 'x', images: [1, 2, 3, 4, 5].map(image) }))).toEqual([
        'images',
      ]);
      expect(await errorFields(await app.post('/api/chat', { message: 'x', images: ['https://example.com/cat.png'] }))).toEqual([
        'images.0',
      ]);
      expect(
        await errorFields(
          await app.post('/api/chat/stream', { message: 'x', images: [PNG_DATA_URL, 'data:image/svg+xml;base64,PHN2Zz4='] }),
        ),
      ).toEqual(['images.1']);
      expect(await app.ollama.hits('/api/chat')).toBe(0);
      expect(await app.query('select id from messages')).toEqual([]);
    });
  });
}
