/** Client libraries pointed at the API under test, whatever the runtime (web APIs only). */
import { createOpenAI } from '@ai-sdk/openai';
import OpenAI from 'openai';
import type { Harness } from '../suites/harness.ts';

export const BASE = 'http://gateway.test/v1';

/** Hands a client library's requests to the API under test. */
export function routedFetch(app: Pick<Harness, 'fetch'>) {
  return (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return app.fetch(`${url.pathname}${url.search}`, init);
  };
}

/** The official OpenAI SDK, pointed at the API. */
export const openAiClient = (app: Pick<Harness, 'fetch'>, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey: 'sk-test', baseURL: BASE, fetch: routedFetch(app), maxRetries: 0, defaultHeaders: headers });

/** The AI SDK's OpenAI provider, pointed at the API. */
export const aiSdkProvider = (app: Pick<Harness, 'fetch'>) =>
  createOpenAI({ apiKey: 'sk-test', baseURL: BASE, fetch: routedFetch(app) });

/** An OpenAI error body: exactly `{error:{code,message,param,type}}`, as JSON, with the status. */
export async function openAiError(response: Response, status: number): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${String(status)}, got ${String(response.status)}: ${text}`);
  if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) throw new Error('not JSON');
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  const keys = Object.keys(body.error).sort().join(',');
  if (Object.keys(body).join(',') !== 'error' || keys !== 'code,message,param,type')
    throw new Error(`not OpenAI's shape: ${text}`);
  return body.error;
}
