import { describe, expect, it } from 'vitest';
import { useCloudTestApp } from '../helpers/cloud-test-app.ts';
import { openAiClient, openAiError } from '../helpers/openai-client.ts';
import { PNG_BASE64 } from '../suites/openai-images.ts';

const start = useCloudTestApp();
const png = Uint8Array.from(atob(PNG_BASE64), (character) => character.charCodeAt(0));

const withImage = (model: string, url: string) => ({
  model,
  messages: [
    {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: 'What is this?' },
        { type: 'image_url' as const, image_url: { url } },
      ],
    },
  ],
});

/** An image fetch that serves one picture and a redirect into the host's own network, and records requests. */
function imageServer() {
  const requested: string[] = [];
  const imageFetch: typeof fetch = (input) => {
    const url = input instanceof Request ? input.url : input.toString();
    requested.push(url);
    if (url === 'https://images.example.com/cat.png')
      return Promise.resolve(new Response(png, { headers: { 'content-type': 'image/png' } }));
    if (url === 'https://images.example.com/moved')
      return Promise.resolve(new Response(null, { status: 302, headers: { location: 'https://10.0.0.5/cat.png' } }));
    return Promise.resolve(new Response('missing', { status: 404 }));
  };
  return { requested, imageFetch };
}

describe('https images for Ollama (base64 only) are fetched by this API', () => {
  it('fetches a public image once and sends it to Ollama as base64', async () => {
    const server = imageServer();
    const app = await start({ imageFetch: server.imageFetch });
    await openAiClient(app).chat.completions.create(withImage('ollama/llama3.2', 'https://images.example.com/cat.png'));
    expect(server.requested).toEqual(['https://images.example.com/cat.png']);
    const [call] = app.ollama.requests.filter((request) => request.path === '/api/chat');
    expect((call?.body as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'What is this?', images: [PNG_BASE64] },
    ]);
  });

  it('refuses an image that redirects into a private network, or is missing, with 400 and no model call', async () => {
    const server = imageServer();
    const app = await start({ imageFetch: server.imageFetch });
    for (const url of ['https://images.example.com/moved', 'https://images.example.com/gone.png']) {
      const response = await app.post('/v1/chat/completions', withImage('ollama/llama3.2', url));
      expect(await openAiError(response, 400)).toMatchObject({ param: 'messages.0.content.1.image_url.url' });
    }
    expect(server.requested).not.toContain('https://10.0.0.5/cat.png');
    expect(app.ollama.hits()).toBe(0);
  });

  it('fetches for a fallback chain with an Ollama model, and not for one without', async () => {
    const server = imageServer();
    const app = await start({
      imageFetch: server.imageFetch,
      env: { MODEL_ALIASES: 'vision=openai/gpt-4o-mini,ollama/llama3.2;cloud=openai/gpt-4o-mini,anthropic/claude-haiku-4-5' },
    });
    app.openai.setBehaviour({ fault: { kind: 'http-error', status: 401 } });
    const fellBack = await app.post('/v1/chat/completions', withImage('vision', 'https://images.example.com/cat.png'));
    expect(fellBack.headers.get('x-model')).toBe('ollama/llama3.2');
    expect(server.requested).toHaveLength(1);
    const openAiBody = app.openai.requests.at(-1)?.body as { messages: { content: unknown[] }[] };
    expect(openAiBody.messages[0]?.content[1]).toEqual({
      type: 'image_url',
      image_url: { url: 'https://images.example.com/cat.png' },
    });
    await app.post('/v1/chat/completions', withImage('cloud', 'https://images.example.com/cat.png'));
    expect(server.requested).toHaveLength(1);
  });
});
