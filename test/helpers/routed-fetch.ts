import type { Harness } from '../suites/harness.ts';

/** Hands a client library's requests (the openai SDK, the AI SDK) to the API under test, whatever the runtime. */
export function routedFetch(app: Harness) {
  return (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return app.fetch(`${url.pathname}${url.search}`, init);
  };
}
