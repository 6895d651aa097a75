import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOllamaProvider } from '../src/providers/ollama-provider.ts';
import { guardOllamaStream } from '../src/providers/ollama-stream-guard.ts';
import { UpstreamStreamError } from '../src/providers/upstream-stream-error.ts';
import { runGeneration } from '../src/services/generation.ts';
import { doneObject, errorLine, partialObject, tokenLine } from './helpers/fake-ollama-wire.ts';

const encoder = new TextEncoder();
const model = 'llama3.2';

/** Ollama's /api/chat NDJSON lines for these tokens, as the fake server writes them. */
function tokenLines(tokens: string[]): string[] {
  return tokens.map((token) => tokenLine('chat', JSON.stringify(model), token));
}
const doneLine = (tokens: string[]) =>
  `${JSON.stringify(doneObject('chat', model, '', { promptEvalCount: 3, evalCount: tokens.length }))}\n`;
const doneReasonOnlyLine = (tokens: string[]) =>
  `${JSON.stringify(doneObject('chat', model, '', { promptEvalCount: 3, evalCount: tokens.length }, false))}\n`;

/** Cuts bytes at the given positions (any position, also inside a UTF-8 sequence); may yield empty chunks. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.slice(start, point));
    start = point;
  }
  chunks.push(bytes.slice(start));
  return chunks;
}

const everyByte = (bytes: Uint8Array) => Array.from(bytes, (_, index) => index + 1);

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

/** Reads a stream to its end: every byte that arrived, and the error it ended with, if any. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; error: unknown }> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let error: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
  } catch (caught) {
    error = caught;
  }
  return { bytes: Buffer.concat(parts), error };
}

/** Runs a body through the guard and drains it: the bytes passed on, and the failure it reported. */
async function drainGuarded(body: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; error: unknown }> {
  let reported: unknown;
  const { bytes, error } = await drain(
    guardOllamaStream(body, {
      onStart: () => undefined,
      onFailure: (failure) => {
        reported = failure;
      },
    }),
  );
  expect(error).toBeUndefined();
  return { bytes, error: reported };
}

function expectStreamError(error: unknown, kind: UpstreamStreamError['kind']): void {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe('UpstreamStreamError');
  expect(UpstreamStreamError.isInstance(error)).toBe(true);
  expect((error as UpstreamStreamError).kind).toBe(kind);
}

const token = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('😀', '👩‍👩‍👧', 'é', '中文', '\n', '\r\n', '\u0000', '"done":true', '{"error":"x"}', '\\', ''),
);
const tokens = fc.array(token, { maxLength: 12 });
const cuts = fc.array(fc.nat(), { maxLength: 30 });

describe('guardOllamaStream (RELIABILITY case 10)', () => {
  it('passes any split of a complete answer through byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(tokens, cuts, fc.boolean(), async (list, cutPoints, trailingNewline) => {
        let text = tokenLines(list).join('') + doneLine(list);
        if (!trailingNewline) text = text.slice(0, -1);
        const input = encoder.encode(text);
        const { bytes, error } = await drainGuarded(streamOf(split(input, cutPoints)));
        expect(error).toBeUndefined();
        expect(Buffer.from(bytes).equals(Buffer.from(input))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('passes a multi-byte answer fed one byte at a time through unchanged', async () => {
    const list = ['😀', 'é', '中', '👩‍👩‍👧'];
    const input = encoder.encode(tokenLines(list).join('') + doneLine(list));
    const { bytes, error } = await drainGuarded(streamOf(split(input, everyByte(input))));
    expect(error).toBeUndefined();
    expect(Buffer.from(bytes).equals(Buffer.from(input))).toBe(true);
  });

  it('delivers exactly the lines before an {"error"} line, then fails with kind error-line', async () => {
    await fc.assert(
      fc.asyncProperty(tokens, fc.nat(), cuts, fc.boolean(), async (list, at, cutPoints, trailingNewline) => {
        const lines = tokenLines(list);
        const k = at % (lines.length + 1);
        const before = lines.slice(0, k).join('');
        let text = before + errorLine('boom');
        if (!trailingNewline) text = text.slice(0, -1);
        const { bytes, error } = await drainGuarded(streamOf(split(encoder.encode(text), cutPoints)));
        expectStreamError(error, 'error-line');
        expect((error as Error).message).toBe('boom');
        expect(Buffer.from(bytes).toString('utf8')).toBe(before);
        expect(Buffer.from(bytes).equals(Buffer.from(encoder.encode(before)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('does not duplicate the bytes of a character split just before an {"error"} line', async () => {
    const before = tokenLines(['😀é']).join('');
    const input = encoder.encode(before + errorLine('boom'));
    const { bytes, error } = await drainGuarded(streamOf(split(input, everyByte(input))));
    expectStreamError(error, 'error-line');
    expect(Buffer.from(bytes).equals(Buffer.from(encoder.encode(before)))).toBe(true);
  });

  it('fails with kind truncated when the body ends before the done line', async () => {
    await fc.assert(
      fc.asyncProperty(tokens, cuts, fc.boolean(), async (list, cutPoints, partial) => {
        const text = tokenLines(list).join('') + (partial ? JSON.stringify(partialObject('chat', model, 'cut')) : '');
        const { error } = await drainGuarded(streamOf(split(encoder.encode(text), cutPoints)));
        expectStreamError(error, 'truncated');
      }),
      { numRuns: 100 },
    );
  });

  it('ends cleanly on a done_reason line without "done":true, passing it on as the done line', async () => {
    await fc.assert(
      fc.asyncProperty(tokens, cuts, async (list, cutPoints) => {
        const lines = tokenLines(list).join('');
        const lastLine = doneReasonOnlyLine(list);
        const input = encoder.encode(lines + lastLine);
        expect(lastLine).not.toContain('"done":true');
        const { bytes, error } = await drainGuarded(streamOf(split(input, cutPoints)));
        expect(error).toBeUndefined();
        const expected = encoder.encode(lines + lastLine.replace('"done":false', '"done":true'));
        expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("reports a first line that is not one of Ollama's chunks as not-a-model-response and passes nothing on", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('{"status":"ok"}', 'Hello World!', '<!DOCTYPE html><html>', '[1,2]', '"text"', '{"model":"x"}'),
        tokens,
        cuts,
        fc.boolean(),
        async (first, list, cutPoints, more) => {
          const text = `${first}\n${more ? tokenLines(list).join('') + doneLine(list) : ''}`;
          const { bytes, error } = await drainGuarded(streamOf(split(encoder.encode(text), cutPoints)));
          expectStreamError(error, 'not-a-model-response');
          expect(bytes).toHaveLength(0);
        },
      ),
      { numRuns: 100 },
    );
    const { error } = await drainGuarded(streamOf([encoder.encode('Hello World!')]));
    expectStreamError(error, 'not-a-model-response');
  });

  it('starts the answer once, with the first chunk; an error line first does not start it', async () => {
    const count = async (text: string) => {
      let starts = 0;
      await drain(
        guardOllamaStream(streamOf(split(encoder.encode(text), [3, 40])), {
          onStart: () => (starts += 1),
          onFailure: () => undefined,
        }),
      );
      return starts;
    };
    expect(await count(tokenLines(['a', 'b']).join('') + doneLine(['a', 'b']))).toBe(1);
    expect(await count(`\n${tokenLines(['a']).join('')}${doneLine(['a'])}`)).toBe(1);
    expect(await count(errorLine('model failed to load'))).toBe(0);
  });

  it('cancels the upstream body when the reader cancels', async () => {
    let cancelled: unknown = 'not cancelled';
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode(tokenLines(['a'])[0] ?? ''));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const reader = guardOllamaStream(upstream, { onStart: () => undefined, onFailure: () => undefined }).getReader();
    await reader.read();
    await reader.cancel('client left');
    expect(cancelled).toBe('client left');
  });
});

/** The whole path: a split NDJSON body through the Ollama provider, the AI SDK and runGeneration. */
async function generateFrom(chunks: Uint8Array[]) {
  const provider = createOllamaProvider({
    baseUrl: 'http://ollama.invalid',
    fetch: () =>
      Promise.resolve(new Response(streamOf(chunks), { status: 200, headers: { 'content-type': 'application/x-ndjson' } })),
  });
  return runGeneration({
    model: { id: `ollama/${model}`, provider, modelName: model },
    messages: [{ role: 'user', content: 'Hi' }],
    parameters: {},
    signal: new AbortController().signal,
    firstTokenTimeoutMs: 5_000,
    totalTimeoutMs: 5_000,
  });
}

describe('split NDJSON through the provider and the AI SDK', () => {
  it('assembles exactly the tokens, whatever the split', async () => {
    await fc.assert(
      fc.asyncProperty(tokens, cuts, fc.boolean(), async (list, cutPoints, trailingNewline) => {
        let text = tokenLines(list).join('') + doneLine(list);
        if (!trailingNewline) text = text.slice(0, -1);
        const outcome = await generateFrom(split(encoder.encode(text), cutPoints));
        expect(outcome.error).toBeUndefined();
        expect(outcome.status).toBe('complete');
        expect(outcome.text).toBe(list.join(''));
        expect(outcome.finishReason).toBe('stop');
        expect(outcome.inputTokens).toBe(3);
        expect(outcome.outputTokens).toBe(list.length);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps the text before an {"error"} line and reports UPSTREAM_ERROR', async () => {
    await fc.assert(
      fc.asyncProperty(tokens, fc.nat(), cuts, async (list, at, cutPoints) => {
        const k = at % (list.length + 1);
        const text = tokenLines(list.slice(0, k)).join('') + errorLine('boom');
        const outcome = await generateFrom(split(encoder.encode(text), cutPoints));
        expect(outcome.status).toBe('error');
        expect(outcome.error?.code).toBe('UPSTREAM_ERROR');
        expect(outcome.error?.message).not.toContain('boom');
        expect(outcome.text).toBe(list.slice(0, k).join(''));
      }),
      { numRuns: 50 },
    );
  });

  it('reports a truncated answer as UPSTREAM_ERROR and a done_reason-only end as complete', async () => {
    const list = ['Hel', 'lo 😀'];
    const truncated = await generateFrom(split(encoder.encode(tokenLines(list).join('')), [5, 70]));
    expect(truncated.status).toBe('error');
    expect(truncated.error?.code).toBe('UPSTREAM_ERROR');
    expect(truncated.text).toBe('Hello 😀');

    const input = encoder.encode(tokenLines(list).join('') + doneReasonOnlyLine(list));
    const complete = await generateFrom(split(input, everyByte(input)));
    expect(complete.error).toBeUndefined();
    expect(complete.status).toBe('complete');
    expect(complete.text).toBe('Hello 😀');
    expect(complete.finishReason).toBe('stop');
  });
});
