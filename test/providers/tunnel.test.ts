/**
 * Ollama behind a tunnel (ngrok, cloudflared, Cloudflare Access, a basic-auth proxy): the headers it
 * needs, credentials from the URL, never an Origin, and its pages reported as errors
 * (RELIABILITY.md case 13).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama, type FakeOllamaFault } from '../helpers/fake-ollama.ts';
import { readSse, startTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.ts';

let api: TestApp | undefined;
let other: FakeOllama | undefined;
afterEach(async () => {
  await api?.close();
  await other?.close();
  api = undefined;
  other = undefined;
});
async function start(options: TestAppOptions = {}): Promise<TestApp> {
  api = await startTestApp(options);
  return api;
}

const tunnelHeaders = {
  'ngrok-skip-browser-warning': 'true',
  'CF-Access-Client-Id': 'client-id.access',
  'CF-Access-Client-Secret': 'client-secret-value',
};

const ngrokInterstitial =
  '<!DOCTYPE html><html><head><title>ngrok</title></head><body><p>You are about to visit 1234.ngrok-free.app</p>' +
  '<p>ERR_NGROK_6024</p><button>Visit Site</button></body></html>';

describe('tunnel headers', () => {
  it('sends the configured headers on every request to Ollama, and never an Origin, even when the browser sent one', async () => {
    const app = await start({ env: { OLLAMA_HEADERS: JSON.stringify(tunnelHeaders) } });
    const origin = { origin: 'https://app.example.com', 'content-type': 'application/json' };
    expect((await app.fetch('/api/chat', { method: 'POST', headers: origin, body: '{"message":"Hi"}' })).status).toBe(200);
    await readSse(await app.fetch('/api/chat/stream', { method: 'POST', headers: origin, body: '{"message":"Hi"}' }));
    expect((await app.fetch('/api/models', { headers: { origin: 'https://app.example.com' } })).status).toBe(200);
    expect((await app.fetch('/health/ready')).status).toBe(200);

    expect(app.ollama.requests.map((request) => request.path)).toEqual(['/api/chat', '/api/chat', '/api/tags', '/api/version']);
    for (const request of app.ollama.requests) {
      expect(request.headers['ngrok-skip-browser-warning'], request.path).toBe('true');
      expect(request.headers['cf-access-client-id'], request.path).toBe('client-id.access');
      expect(request.headers['cf-access-client-secret'], request.path).toBe('client-secret-value');
      expect(request.headers['origin'], request.path).toBeUndefined();
    }
  });

  it('turns user:password in OLLAMA_BASE_URL into a Basic Authorization header', async () => {
    const fake = (other = await startFakeOllama());
    const address = fake.url.replace('http://', 'http://tunnel-user:p%40ss%3Aword@');
    const app = await start({ ollamaUrl: address });
    expect((await app.post('/api/generate', { prompt: 'Hi' })).status).toBe(200);
    expect((await app.fetch('/api/models')).status).toBe(200);
    expect(fake.requests.map((request) => request.path)).toEqual(['/api/chat', '/api/tags']);
    for (const request of fake.requests) {
      expect(request.headers['authorization']).toBe(`Basic ${Buffer.from('tunnel-user:p@ss:word').toString('base64')}`);
    }
  });
});

describe('tunnel and proxy pages', () => {
  const pages: { name: string; fault: FakeOllamaFault; cause: RegExp; code?: string; status?: number }[] = [
    {
      name: "ngrok's browser-warning page (200 text/html)",
      fault: { kind: 'http-error', status: 200, body: ngrokInterstitial, contentType: 'text/html; charset=utf-8' },
      cause: /web page.*tunnel or proxy/,
    },
    {
      name: "Ollama's 403 for a Host or Origin it does not allow",
      fault: { kind: 'http-error', status: 403, body: '', contentType: 'text/plain' },
      cause: /403.*Host header/,
    },
    {
      name: 'a Cloudflare Access login page (403 text/html)',
      fault: {
        kind: 'http-error',
        status: 403,
        body: '<html><title>Sign in ・ Cloudflare Access</title></html>',
        contentType: 'text/html',
      },
      cause: /login or access page.*CF-Access-Client-Id/,
    },
    {
      name: "a basic-auth proxy's 401 page",
      fault: {
        kind: 'http-error',
        status: 401,
        body: '<html><h1>401 Authorization Required</h1></html>',
        contentType: 'text/html',
        headers: { 'www-authenticate': 'Basic realm="ollama"' },
      },
      cause: /login or access page/,
    },
    {
      name: "a tunnel whose origin is down (cloudflared's 502 page)",
      fault: { kind: 'http-error', status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' },
      cause: /web page.*tunnel or proxy/,
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
    },
    {
      name: "a proxy's own 503 page",
      fault: { kind: 'http-error', status: 503, body: '<html>Service Temporarily Unavailable</html>', contentType: 'text/html' },
      cause: /web page.*tunnel or proxy/,
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
    },
    {
      name: "a proxy's 504 page when the model server took too long (nginx's proxy_read_timeout)",
      fault: {
        kind: 'http-error',
        status: 504,
        body: '<html><head><title>504 Gateway Time-out</title></head><body><center>nginx</center></body></html>',
        contentType: 'text/html',
      },
      cause: /gave up waiting.*tunnel or proxy/,
      code: 'TIMEOUT',
      status: 504,
    },
  ];

  for (const page of pages) {
    for (const route of ['/api/chat', '/api/chat/stream']) {
      it(`${route}: answers ${String(page.status ?? 502)} naming the likely cause for ${page.name}, and stores no page text`, async () => {
        const app = await start({ ollama: { fault: page.fault } });
        const response = await app.post(route, { message: 'Hi' });
        expect(response.status).toBe(page.status ?? 502);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const body = (await response.json()) as { error: string; code: string };
        expect(body.code).toBe(page.code ?? 'UPSTREAM_ERROR');
        expect(body.error).toMatch(page.cause);
        expect(JSON.stringify(body)).not.toMatch(
          /ngrok-free|ERR_NGROK|<html|Cloudflare Access|Authorization Required|Gateway Time-out/,
        );
        const [assistant] = await app.query<{ content: string; status: string }>(
          "select content, status from messages where role = 'assistant'",
        );
        expect(assistant).toEqual({ content: '', status: 'error' });
      });
    }
  }

  it('does not follow a redirect to a login page (the request and its credentials stay with the configured host)', async () => {
    const login = (other = await startFakeOllama());
    const app = await start({
      env: { OLLAMA_HEADERS: JSON.stringify(tunnelHeaders) },
      ollama: {
        fault: {
          kind: 'http-error',
          status: 302,
          body: '',
          contentType: 'text/html',
          headers: { location: `${login.url}/cdn-cgi/access/login/ollama.example.com` },
        },
      },
    });
    const response = await app.post('/api/chat', { message: 'Hi' });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toMatch(/redirected elsewhere.*login page/);
    expect(login.hits()).toBe(0);
    expect(app.ollama.hits('/api/chat')).toBe(1);
  });

  it('answers /api/models with 502 when the tunnel serves a page instead of the model list', async () => {
    const fake = (other = await startFakeOllama());
    // Pointed at a path where the fake answers its plain-text 404 page: the listing fails, nothing is made up.
    const app = await start({ ollamaUrl: `${fake.url}/not-ollama` });
    const response = await app.fetch('/api/models');
    expect(response.status).toBe(502);
  });
});
