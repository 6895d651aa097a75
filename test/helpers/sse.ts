/** Reading SSE responses and polling, with web APIs only (shared by the Node and workerd suites). */

import { parseSse, readSseEvents, type SseEvent } from '../../src/client/sse-parser.ts';

// The one SSE parser lives in src/client/ (the command-line client and browser code use it too).
export { createSseParser, parseSse, type SseEvent } from '../../src/client/sse-parser.ts';

/** Reads an SSE response to its end and parses it. */
export async function readSse(response: Response): Promise<SseEvent[]> {
  return parseSse(await response.text());
}

/** Reads SSE events as they arrive, with the time each one was read. */
export async function* sseEvents(response: Response): AsyncGenerator<{ event: SseEvent; at: number }> {
  if (!response.body) throw new Error('no body');
  for await (const event of readSseEvents(response.body)) yield { event, at: Date.now() };
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Text stored as hex (`select hex(content)`), decoded as UTF-8: shows NUL and invalid sequences exactly. */
export function decodeHex(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return new TextDecoder().decode(bytes);
}
