import autocannon from 'autocannon';
import { summarize, type Summary } from './statistics.ts';

/** One request to repeat: POSTed as JSON, with any extra headers (e.g. Portkey's routing headers). */
export interface LoadRequest {
  url: string;
  body: unknown;
  headers?: Record<string, string> | undefined;
}

export const requestHeaders = (request: LoadRequest) => ({ 'content-type': 'application/json', ...request.headers });

/**
 * One request before measuring: undefined when it answers 2xx with a body `complete` accepts (the
 * fake upstream's last token got through), otherwise what went wrong, named by `label`.
 */
export async function answerProblem(
  request: LoadRequest,
  label: string,
  complete: (text: string) => boolean,
): Promise<string | undefined> {
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: requestHeaders(request),
      body: JSON.stringify(request.body),
    });
    const text = await response.text();
    if (response.ok && complete(text)) return undefined;
    return `${label}: HTTP ${String(response.status)} ${text.slice(0, 200).replaceAll('\n', ' ')}`;
  } catch (error) {
    return `${label}: ${String(error)}`;
  }
}

export interface JsonLoadResult {
  requests: number;
  errors: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
}

/**
 * Non-streaming load: autocannon with `connections` concurrent clients for `seconds`. At concurrency 1
 * a plain request loop is used instead: autocannon reports latency in whole milliseconds, too coarse
 * for the sub-millisecond added latency measured there.
 */
export async function jsonLoad(request: LoadRequest, connections: number, seconds: number): Promise<JsonLoadResult> {
  if (connections === 1) {
    const result = await streamLoad(request, 1, seconds, 100_000);
    return {
      requests: result.requests,
      errors: result.errors,
      requestsPerSecond: result.requests / seconds,
      p50: result.total.p50,
      p99: result.total.p99,
    };
  }
  const result = await autocannon({
    url: request.url,
    method: 'POST',
    headers: requestHeaders(request),
    body: JSON.stringify(request.body),
    connections,
    duration: seconds,
  });
  return {
    requests: result['2xx'],
    errors: result.non2xx + result.errors + result.timeouts,
    requestsPerSecond: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

export interface StreamLoadResult {
  requests: number;
  errors: number;
  firstToken: Summary;
  total: Summary;
}

const decoder = new TextDecoder();
/** A token in any of the streams measured: Ollama's and OpenAI's `content`, our `token` and `response`. */
const carriesText = /"(?:content|token|response)":"[^"]/;

/**
 * Streaming load: `connections` loops, each posting and reading the stream to its end, recording the
 * time to the first event that carries text and the total time. Bounded by `seconds` and `maxRequests`.
 */
export async function streamLoad(
  request: LoadRequest,
  connections: number,
  seconds: number,
  maxRequests: number,
): Promise<StreamLoadResult> {
  const deadline = performance.now() + seconds * 1000;
  const firstTokenTimes: number[] = [];
  const totalTimes: number[] = [];
  let started = 0;
  let errors = 0;
  const payload = JSON.stringify(request.body);
  const headers = requestHeaders(request);
  const loop = async () => {
    while (performance.now() < deadline && started < maxRequests) {
      started += 1;
      const begin = performance.now();
      try {
        const response = await fetch(request.url, { method: 'POST', headers, body: payload });
        if (!response.ok || !response.body) {
          await response.body?.cancel();
          throw new Error(String(response.status));
        }
        const reader = response.body.getReader();
        let first = -1;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // The first chunk that carries text counts as the first token: not a comment, not OpenAI's
          // empty role chunk (a gateway may send that before the upstream has produced anything).
          if (first < 0 && carriesText.test(decoder.decode(value))) first = performance.now() - begin;
        }
        firstTokenTimes.push(first);
        totalTimes.push(performance.now() - begin);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return { requests: totalTimes.length, errors, firstToken: summarize(firstTokenTimes), total: summarize(totalTimes) };
}
