/** Reading SSE responses and polling, with web APIs only (shared by the Node and workerd suites). */

export interface SseEvent {
  /** Parsed JSON of a `data:` event. */
  data?: Record<string, unknown>;
  /** Text of a `:` comment line. */
  comment?: string;
  /** A `data:` event that is not JSON (OpenAI's `[DONE]`). */
  raw?: string;
}

/** Parses a complete SSE body into events and comments, in order. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) events.push({ comment: line.slice(1).trim() });
      else if (line === 'data: [DONE]') events.push({ raw: '[DONE]' });
      else if (line.startsWith('data: ')) events.push({ data: JSON.parse(line.slice(6)) as Record<string, unknown> });
    }
  }
  return events;
}

/** Reads an SSE response to its end and parses it. */
export async function readSse(response: Response): Promise<SseEvent[]> {
  return parseSse(await response.text());
}

/** Reads SSE events as they arrive, with the time each one was read. */
export async function* sseEvents(response: Response): AsyncGenerator<{ event: SseEvent; at: number }> {
  if (!response.body) throw new Error('no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        for (const event of parseSse(buffer.slice(0, end + 2))) yield { event, at: Date.now() };
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
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
