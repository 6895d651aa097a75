/**
 * The chaos run's clients: every planned request at once, each reading its SSE stream and aborting
 * where its plan says (after some text events, or on a timer). Records what each client saw.
 */
import { chaosModel } from './chaos-upstream.ts';
import type { ChaosRequestPlan } from './chaos-plan.ts';

export interface ChaosClientResult {
  index: number;
  /** The response status, or undefined when the client aborted before the response. */
  status: number | undefined;
  /** The text the client received. */
  text: string;
  /** The stream ended with its done event (native) or `[DONE]` (/v1). */
  done: boolean;
  /** The code of the stream's error event or of the JSON error. */
  errorCode: string | undefined;
  /** The client aborted (as planned) before the stream ended by itself. */
  aborted: boolean;
  /** A failure the client did not plan (a reset connection, a malformed event). */
  failure: string | undefined;
  /** Milliseconds from sending the request to the response headers, and to the first text (undefined if none). */
  headersMs: number | undefined;
  firstTextMs: number | undefined;
}

const decoder = new TextDecoder();

interface StreamEvent {
  text?: string;
  done?: boolean;
  errorCode?: string;
}

/** One `data:` line of either route's stream, as what it means for the client. */
function readEvent(route: ChaosRequestPlan['route'], data: string): StreamEvent {
  if (route === 'openai') {
    if (data === '[DONE]') return { done: true };
    const chunk = JSON.parse(data) as {
      error?: { code?: string | null; type?: string };
      choices?: { delta?: { content?: string | null } }[];
    };
    if (chunk.error) return { errorCode: chunk.error.code ?? chunk.error.type ?? 'error' };
    const content = chunk.choices?.[0]?.delta?.content;
    return typeof content === 'string' && content !== '' ? { text: content } : {};
  }
  const event = JSON.parse(data) as { token?: string; done?: boolean; code?: string };
  if (typeof event.token === 'string') return { text: event.token };
  if (event.done === true) return { done: true };
  if (typeof event.code === 'string') return { errorCode: event.code };
  return {};
}

function requestOf(baseUrl: string, plan: ChaosRequestPlan): { url: string; init: RequestInit } {
  if (plan.route === 'native') {
    return {
      url: `${baseUrl}/api/chat/stream`,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: plan.message, model: chaosModel, message_id: crypto.randomUUID() }),
      },
    };
  }
  return {
    url: `${baseUrl}/v1/chat/completions`,
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer unused', 'x-conversation-id': 'new' },
      body: JSON.stringify({
        model: chaosModel,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: plan.message }],
      }),
    },
  };
}

/** Runs one planned request to its end (or its planned abort). Never throws. */
export async function runChaosClient(baseUrl: string, plan: ChaosRequestPlan): Promise<ChaosClientResult> {
  const result: ChaosClientResult = {
    index: plan.index,
    status: undefined,
    text: '',
    done: false,
    errorCode: undefined,
    aborted: false,
    failure: undefined,
    headersMs: undefined,
    firstTextMs: undefined,
  };
  const sentAt = performance.now();
  const controller = new AbortController();
  const gone = () => controller.signal.aborted;
  const abort = () => {
    if (result.done || result.errorCode !== undefined) return;
    result.aborted = true;
    controller.abort();
  };
  const planned = plan.fault === 'client-abort';
  const timer = planned && plan.abortAfterMs !== undefined ? setTimeout(abort, plan.abortAfterMs) : undefined;
  const { url, init } = requestOf(baseUrl, plan);
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    result.status = response.status;
    result.headersMs = performance.now() - sentAt;
    if (response.status !== 200 || !response.body) {
      const body = await response.text();
      try {
        const parsed = JSON.parse(body) as { code?: string; error?: { code?: string } };
        result.errorCode = parsed.code ?? parsed.error?.code ?? 'error';
      } catch {
        result.errorCode = 'unparsed';
      }
      return result;
    }
    let textEvents = 0;
    if (planned && plan.abortAfterMs === undefined && plan.abortAfterTokens === 0) abort();
    let buffer = '';
    for await (const bytes of response.body) {
      buffer += decoder.decode(bytes, { stream: true });
      let end = buffer.indexOf('\n\n');
      // Once aborted, what was already buffered is not read: the client is gone.
      while (end !== -1 && !gone()) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        for (const line of block.split('\n')) {
          if (!line.startsWith('data: ') || gone()) continue;
          const event = readEvent(plan.route, line.slice(6));
          if (event.text !== undefined) {
            result.firstTextMs ??= performance.now() - sentAt;
            result.text += event.text;
            textEvents += 1;
            if (planned && plan.abortAfterMs === undefined && textEvents >= plan.abortAfterTokens) abort();
          }
          if (event.done === true) result.done = true;
          if (event.errorCode !== undefined) result.errorCode = event.errorCode;
        }
      }
    }
  } catch (error) {
    if (!result.aborted) result.failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    clearTimeout(timer);
  }
  return result;
}

/** Every planned request at once. */
export function runChaosLoad(baseUrl: string, plans: readonly ChaosRequestPlan[]): Promise<ChaosClientResult[]> {
  return Promise.all(plans.map((plan) => runChaosClient(baseUrl, plan)));
}
