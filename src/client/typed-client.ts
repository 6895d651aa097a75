import { hc } from 'hono/client';
import type { AppType } from '../app.ts';

export interface TypedClientOptions {
  /** An API key (`ela_…`), session token or JWT, sent as `Authorization: Bearer`. */
  apiKey?: string | undefined;
  /** Another fetch (tests, a proxy, a Worker's service binding). */
  fetch?: typeof fetch;
}

/**
 * A client typed by the API's own route schemas (Hono's RPC client over `AppType`): paths, bodies,
 * queries and answers are checked by TypeScript. Web APIs only, so browsers, Workers and scripts can use it.
 *
 *   const api = createTypedClient('http://localhost:8787', { apiKey });
 *   const answer = await (await api.api.chat.$post({ json: { message: 'Hello' } })).json();
 */
export function createTypedClient(baseUrl: string, options: TypedClientOptions = {}) {
  return hc<AppType>(baseUrl, {
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.apiKey === undefined ? {} : { headers: { authorization: `Bearer ${options.apiKey}` } }),
  });
}
