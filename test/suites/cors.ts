/** CORS_ORIGINS and the security headers (API.md § CORS; RELIABILITY.md case 31). */
import { describe, expect, it } from 'vitest';
import { adminKey, authRequired, bearer } from './auth-support.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const allowed = 'https://app.example';
const exposed = [
  'X-Request-Id',
  'X-Conversation-Id',
  'X-Model',
  'X-Fallback-Count',
  'Retry-After',
  'X-RateLimit-Limit-Requests',
  'X-RateLimit-Remaining-Requests',
  'X-RateLimit-Reset-Requests',
];

const accessControlHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.toLowerCase().startsWith('access-control-'));

/** A JSON answer, an SSE answer and error answers (401, 404, 400), each from `origin`. */
async function answersFrom(app: Harness, origin: string): Promise<[string, Response][]> {
  const headers = { origin, ...bearer(adminKey) };
  return [
    ['json', await app.fetch('/api/history', { headers })],
    ['sse', await app.post('/api/chat/stream', { message: 'Hi' }, { headers })],
    ['401', await app.fetch('/api/history', { headers: { origin } })],
    ['404', await app.fetch('/api/history/0f8fad5b-d9cb-469f-a165-70867728950e', { headers })],
    ['400', await app.post('/api/chat', { message: '' }, { headers })],
  ];
}

export function describeCors(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('CORS_ORIGINS with a list of origins', () => {
    it('answers a preflight from a listed origin with 204 and no credential, allowing the headers clients send', async () => {
      const app = await start({ env: authRequired({ CORS_ORIGINS: `${allowed},https://other.example` }) });
      const preflight = await app.fetch('/api/chat/stream', {
        method: 'OPTIONS',
        headers: {
          origin: allowed,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(allowed);
      expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
      const allowHeaders = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
      expect(allowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-request-id']));
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      expect(preflight.headers.get('vary')).toContain('Origin');
    });

    it('echoes a listed origin exactly, with Vary: Origin and the exposed headers, on JSON, SSE and error answers', async () => {
      const app = await start({ env: authRequired({ CORS_ORIGINS: allowed }) });
      for (const [kind, response] of await answersFrom(app, allowed)) {
        expect(response.headers.get('access-control-allow-origin'), kind).toBe(allowed);
        expect(response.headers.get('access-control-allow-credentials'), kind).toBe('true');
        expect(response.headers.get('vary'), kind).toContain('Origin');
        const names = (response.headers.get('access-control-expose-headers') ?? '').split(',');
        expect(names, kind).toEqual(expect.arrayContaining(exposed));
        await response.body?.cancel();
      }
    });

    it('gives an origin that is not listed no Access-Control-* header at all, on preflights, answers and errors', async () => {
      const app = await start({ env: authRequired({ CORS_ORIGINS: allowed }) });
      const preflight = await app.fetch('/api/chat', {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(accessControlHeaders(preflight)).toEqual([]);
      for (const [kind, response] of await answersFrom(app, 'https://evil.example')) {
        expect(accessControlHeaders(response), kind).toEqual([]);
        expect(response.headers.get('vary'), kind).toContain('Origin');
        await response.body?.cancel();
      }
      // A look-alike of a listed origin is another origin.
      const lookAlike = await app.fetch('/health', { headers: { origin: `${allowed}.evil.example` } });
      expect(accessControlHeaders(lookAlike)).toEqual([]);
    });
  });

  describe('CORS_ORIGINS=* and unset', () => {
    it('answers any origin with `*` and never allows credentials with it', async () => {
      const app = await start({ env: authRequired({ CORS_ORIGINS: '*' }) });
      for (const [kind, response] of await answersFrom(app, 'https://anywhere.example')) {
        expect(response.headers.get('access-control-allow-origin'), kind).toBe('*');
        expect(response.headers.get('access-control-allow-credentials'), kind).toBeNull();
        await response.body?.cancel();
      }
      const preflight = await app.fetch('/v1/chat/completions', {
        method: 'OPTIONS',
        headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('sends no CORS header when CORS_ORIGINS is unset', async () => {
      const app = await start({ env: authRequired() });
      for (const [kind, response] of await answersFrom(app, allowed)) {
        expect(accessControlHeaders(response), kind).toEqual([]);
        await response.body?.cancel();
      }
    });
  });

  describe('security headers', () => {
    it('sends nosniff, no framing, no referrer and a same-origin Content-Security-Policy on JSON, SSE and errors', async () => {
      const app = await start({ env: authRequired() });
      for (const [kind, response] of await answersFrom(app, allowed)) {
        expect(response.headers.get('x-content-type-options'), kind).toBe('nosniff');
        expect(response.headers.get('x-frame-options'), kind).toBe('DENY');
        expect(response.headers.get('referrer-policy'), kind).toBe('no-referrer');
        expect(response.headers.get('content-security-policy'), kind).toContain("default-src 'self'");
        expect(response.headers.get('content-security-policy'), kind).toContain("frame-ancestors 'none'");
        await response.body?.cancel();
      }
    });
  });
}
