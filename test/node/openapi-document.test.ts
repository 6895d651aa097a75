/** GET /openapi.json (OpenAPI 3.1, validated by a real validator) describes every route; GET /docs renders it; the typed client calls the app. */
import { validate } from '@readme/openapi-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { createTypedClient } from '../../src/client/typed-client.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminKey } from '../suites/auth-support.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown> };
}

/** Every route the app serves, from Hono's router: `METHOD /path/{param}`. */
function servedRoutes(target: TestApp): string[] {
  return [
    ...new Set(
      target.app.routes
        .filter((route) => route.method !== 'ALL' && !route.path.includes('*'))
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`),
    ),
  ];
}

describe('the API description', () => {
  it('is a valid OpenAPI 3.1 document with security schemes, naming every served route with its error responses', async () => {
    app = await startTestApp({ env: { AUTH_REQUIRED: 'true', ADMIN_API_KEY: adminKey } });
    const response = await app.fetch('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenApiDocument;
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? [] : result.errors, 'validation errors').toEqual([]);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['bearerAuth', 'sessionCookie']);

    const described = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // The description, its page and the web app's files are not API routes.
    const notApi = ['GET /openapi.json', 'GET /docs', 'GET /', 'GET /index.html', 'GET /favicon.svg'];
    for (const route of servedRoutes(app).filter((route) => !notApi.includes(route))) expect(described, route).toContain(route);

    const publicRoutes = new Set([
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'GET /api/health',
      'POST /api/auth/login',
      'POST /api/auth/register',
    ]);
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (publicRoutes.has(name) || name === 'GET /openapi.json') continue;
        expect(operation.security, name).toBeDefined();
        expect(Object.keys(operation.responses), name).toEqual(expect.arrayContaining(['401']));
      }
    }
  });

  it('serves /openapi.json and /docs without a credential; /docs with its own Content-Security-Policy for its CDN script', async () => {
    app = await startTestApp({ env: { AUTH_REQUIRED: 'true', ADMIN_API_KEY: adminKey } });
    expect((await app.fetch('/openapi.json')).status).toBe(200);
    const docs = await app.fetch('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toContain('/openapi.json');
    expect(docs.headers.get('content-security-policy')).toContain('https://cdn.jsdelivr.net');
    const other = await app.fetch('/health');
    expect(other.headers.get('content-security-policy')).not.toContain('cdn.jsdelivr.net');
  });
});

describe('the typed client (hc<AppType>)', () => {
  it('calls the running app with typed paths, bodies and answers', async () => {
    app = await startTestApp({ env: { ADMIN_API_KEY: adminKey } });
    const api = createTypedClient(app.url, { apiKey: adminKey });
    const chat = await api.api.chat.$post({ json: { message: 'Hello' } });
    expect(chat.status).toBe(200);
    const answer = await chat.json();
    if (!('response' in answer)) throw new Error('expected an answer');
    expect(answer.response).toBe('Hello, world!');
    const conversation = await api.api.history[':id'].$get({ param: { id: answer.conversation_id } });
    const body = await conversation.json();
    if (!('messages' in body)) throw new Error('expected the conversation');
    expect(body.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    const me = await (await api.api.auth.me.$get()).json();
    expect(me).toMatchObject({ auth: 'admin_key' });
    const missing = await api.api.history[':id'].$get({ param: { id: '0f8fad5b-d9cb-469f-a165-70867728950e' } });
    expect(missing.status).toBe(404);
  });
});
