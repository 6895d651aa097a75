import type { LookupAddress } from 'node:dns';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createNodeImageFetch, publicOnlyLookup } from '../src/entry/node-image-fetch.ts';

/** A resolver that answers from a table, as DNS would (all addresses). */
const resolver =
  (table: Record<string, string[]>) =>
  (hostname: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    const addresses = (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    callback(null, addresses);
  };

function lookupOnce(lookup: ReturnType<typeof publicOnlyLookup>, hostname: string, all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) => {
    lookup(hostname, { all }, (error, address) => {
      resolve({ error, address });
    });
  });
}

describe('the Node image fetch checks where a name points', () => {
  it('passes public addresses on and refuses a name with any private address', async () => {
    const lookup = publicOnlyLookup(
      resolver({
        'cdn.example.com': ['93.184.216.34'],
        'rebound.example.com': ['93.184.216.34', '127.0.0.1'],
        'v6.example.com': ['fd00::1'],
      }),
    );
    expect(await lookupOnce(lookup, 'cdn.example.com', false)).toEqual({ error: null, address: '93.184.216.34' });
    expect((await lookupOnce(lookup, 'cdn.example.com', true)).address).toEqual([{ address: '93.184.216.34', family: 4 }]);
    for (const name of ['rebound.example.com', 'v6.example.com', 'unknown.example.com'])
      expect((await lookupOnce(lookup, name, true)).error?.code, name).toBe('EADDRNOTPUBLIC');
  });

  it('never connects to a local server behind a public-looking name', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const imageFetch = createNodeImageFetch({ lookup: resolver({ 'images.example.com': ['127.0.0.1'] }) });
      await expect(imageFetch(`https://images.example.com:${String(port)}/cat.png`)).rejects.toThrow();
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
