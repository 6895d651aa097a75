import { describe, expect, it } from 'vitest';
import { createSseStream } from '../src/streaming/sse-stream.ts';

const decoder = new TextDecoder();
/** Resolves after the current turn of the event loop and its microtasks. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const event = (index: number) => `data: {"n":${String(index)}}\n\n`;

/** Reads the stream until at least `length` characters have arrived. */
async function readAtLeast(reader: ReadableStreamDefaultReader<Uint8Array>, length: number): Promise<string> {
  let text = '';
  while (text.length < length) {
    const { value } = await reader.read();
    text += decoder.decode(value);
  }
  return text;
}

describe('createSseStream', () => {
  it("writes a turn's first event at once and the rest of the turn's as one chunk, in order", async () => {
    const sse = createSseStream({ keepAliveMs: 60_000 });
    const reader = sse.readable.getReader();
    const sends = [0, 1, 2, 3, 4].map((index) => sse.send({ n: index }));
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe(event(0));
    const rest = await reader.read();
    expect(decoder.decode(rest.value)).toBe([1, 2, 3, 4].map(event).join(''));
    await Promise.all(sends);
    sse.close();
    expect((await reader.read()).done).toBe(true);
  });

  it('delivers every event by the end of its turn to a reader that waits for each one', async () => {
    const sse = createSseStream({ keepAliveMs: 60_000 });
    const reader = sse.readable.getReader();
    const chunks: string[] = [];
    for (const index of [0, 1, 2]) {
      await sse.send({ n: index });
      const { value } = await reader.read();
      chunks.push(decoder.decode(value));
    }
    expect(chunks).toEqual([event(0), event(1), event(2)]);
    sse.close();
  });

  it('writes what is still held before closing', async () => {
    const sse = createSseStream({ keepAliveMs: 60_000 });
    void sse.send({ n: 0 });
    void sse.sendText('[DONE]');
    sse.close();
    const text = await new Response(sse.readable).text();
    expect(text).toBe(`${event(0)}data: [DONE]\n\n`);
  });

  it('keeps an unread stream bounded: a sender that awaits each send stops once ~16 KB are held', async () => {
    const sse = createSseStream({ keepAliveMs: 60_000 });
    const payload = 'x'.repeat(100);
    let sent = 0;
    // The model's side: one event at a time, each send awaited, as the generation loop does.
    const producer = (async () => {
      while (sent < 5_000 && !sse.closed) {
        await sse.send({ payload });
        sent += 1;
        if (sent % 10 === 0) await nextTurn(); // tokens arrive over several upstream reads
      }
    })();
    for (let turn = 0; turn < 50; turn += 1) await nextTurn();
    const eventBytes = event(0).length - 8 + JSON.stringify({ payload }).length;
    const heldWhileUnread = sent;
    expect(heldWhileUnread * eventBytes).toBeGreaterThan(16 * 1024 - 2 * eventBytes);
    expect(heldWhileUnread * eventBytes).toBeLessThan(2 * 16 * 1024 + eventBytes);
    // Reading lets the sender go on, and every event arrives once, in order.
    const reader = sse.readable.getReader();
    const expected = `data: ${JSON.stringify({ payload })}\n\n`.repeat(5_000);
    const text = await readAtLeast(reader, expected.length);
    await producer;
    sse.close();
    expect((await reader.read()).done).toBe(true);
    expect(heldWhileUnread).toBeLessThan(5_000);
    expect(text).toBe(expected);
  });

  it('returns nothing from sendText while there is room, and a promise only when the client is behind', async () => {
    const sse = createSseStream({ keepAliveMs: 60_000 });
    const text = JSON.stringify({ payload: 'x'.repeat(100) });
    const eventBytes = `data: ${text}\n\n`.length;
    let sent = 0;
    let promised = 0;
    // The generation loop's way: await only what sendText returns.
    const producer = (async () => {
      while (sent < 5_000 && !sse.closed) {
        const waiting = sse.sendText(text);
        sent += 1;
        if (waiting !== undefined) {
          promised += 1;
          await waiting;
        }
        if (sent % 10 === 0) await nextTurn();
      }
    })();
    for (let turn = 0; turn < 50; turn += 1) await nextTurn();
    const heldWhileUnread = sent;
    expect(promised).toBeGreaterThan(0);
    expect(heldWhileUnread * eventBytes).toBeGreaterThan(16 * 1024 - 2 * eventBytes);
    expect(heldWhileUnread * eventBytes).toBeLessThan(2 * 16 * 1024 + eventBytes);
    const reader = sse.readable.getReader();
    const expected = `data: ${text}\n\n`.repeat(5_000);
    const received = await readAtLeast(reader, expected.length);
    await producer;
    sse.close();
    expect(received).toBe(expected);
    // A promise once per ~16 KB the client falls behind, not one per event.
    expect(promised).toBeLessThan(sent / 10);
  });

  it('drops held events and calls onCancel when the client goes away', async () => {
    let cancelled = 0;
    const sse = createSseStream({
      keepAliveMs: 60_000,
      onCancel: () => {
        cancelled += 1;
      },
    });
    void sse.send({ n: 0 });
    await sse.readable.cancel();
    await nextTurn();
    expect(cancelled).toBe(1);
    expect(sse.closed).toBe(true);
    await sse.send({ n: 1 }); // resolves: nothing is written after the client left
  });
});
