/** Drives a fake JWKS endpoint (fake-jwks.ts) over HTTP, from Node or from inside workerd. Web APIs only. */
export interface FakeJwksControl {
  /** The URL to configure as AUTH_JWKS_URL. */
  readonly url: string;
  publish(keys: JsonWebKey[]): Promise<void>;
  /** How many times the API fetched the keys. */
  hits(): Promise<number>;
}

export function fakeJwksClient(url: string): FakeJwksControl {
  const control = url.replace(/\/jwks$/, '/__control');
  return {
    url,
    async publish(keys) {
      const response = await fetch(`${control}/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys }),
      });
      if (!response.ok) throw new Error(`publishing keys failed: ${String(response.status)}`);
    },
    async hits() {
      const response = await fetch(`${control}/hits`);
      return ((await response.json()) as { hits: number }).hits;
    },
  };
}
