/**
 * The fake Ollama's POST /api/pull, in Ollama's wire format (server/routes.go PullHandler and
 * streamResponse, api.ProgressResponse): `application/x-ndjson`, one JSON object a line —
 *
 *   {"status":"pulling manifest"}
 *   {"status":"pulling dde5aa3fc5ff","digest":"sha256:dde5…","total":1321082688}
 *   {"status":"pulling dde5aa3fc5ff","digest":"sha256:dde5…","total":1321082688,"completed":660541344}
 *   …
 *   {"status":"verifying sha256 digest"}
 *   {"status":"writing manifest"}
 *   {"status":"success"}
 *
 * `digest`, `total` and `completed` are Go `omitempty` fields: absent when zero. An error after the
 * stream started is one more line, `{"error":"…"}`, under the 200 already sent (a model the registry
 * does not have: `pull model manifest: file does not exist`); a bad request is 400 `{"error":"…"}`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { parseRequestBody } from './fake-ollama-wire.ts';

export interface PullContext {
  /** Ollama's error text, sent as a line after "pulling manifest" (the pull then fails). */
  pullError: string | undefined;
  /** Delay before each progress line after the first. */
  stepDelayMs: number;
  /** Called with the model's name once the pull succeeded (it is then listed by /api/tags). */
  installed(name: string): void;
  /** Called when the client closed the connection before the pull ended. */
  aborted(): void;
}

/** The layers of a model: its weights and a small params blob, with digests derived from the name. */
function layersOf(model: string): { digest: string; total: number }[] {
  const digest = (part: string) => `sha256:${createHash('sha256').update(`${model}/${part}`).digest('hex')}`;
  return [
    { digest: digest('model'), total: 1_321_082_688 },
    { digest: digest('params'), total: 96 },
  ];
}

/** The progress lines of a successful pull (without the final `success`). */
export function pullProgressLines(model: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [{ status: 'pulling manifest' }];
  for (const { digest, total } of layersOf(model)) {
    const status = `pulling ${digest.slice(7, 19)}`;
    const steps = total > 1000 ? [0, Math.floor(total / 2), total] : [total];
    for (const completed of steps) lines.push({ status, digest, total, ...(completed === 0 ? {} : { completed }) });
  }
  lines.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' });
  return lines;
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(payload));
}

export async function handlePull(req: IncomingMessage, res: ServerResponse, raw: string, context: PullContext): Promise<void> {
  const parsed = parseRequestBody(raw, 'api.PullRequest');
  if (!parsed.ok) {
    sendJson(res, 400, { error: parsed.error });
    return;
  }
  const { model, name } = parsed.value;
  const modelName = typeof model === 'string' && model !== '' ? model : typeof name === 'string' ? name : '';
  if (modelName === '' || /\s/.test(modelName)) {
    sendJson(res, 400, { error: 'invalid model name' });
    return;
  }

  let finished = false;
  const closed = new AbortController();
  res.on('close', () => {
    closed.abort();
    if (!finished) context.aborted();
  });
  const write = async (line: Record<string, unknown>, wait: boolean): Promise<boolean> => {
    if (wait && context.stepDelayMs > 0)
      await delay(context.stepDelayMs, undefined, { signal: closed.signal }).catch(() => undefined);
    if (closed.signal.aborted || res.destroyed) return false;
    res.write(`${JSON.stringify(line)}\n`);
    return true;
  };

  res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  const lines = pullProgressLines(modelName);
  if (!(await write(lines[0] ?? {}, false))) return;
  if (context.pullError !== undefined) {
    finished = true;
    res.end(`${JSON.stringify({ error: context.pullError })}\n`);
    return;
  }
  for (const line of lines.slice(1)) if (!(await write(line, true))) return;
  if (!(await write({ status: 'success' }, true))) return;
  finished = true;
  context.installed(modelName);
  res.end();
}
