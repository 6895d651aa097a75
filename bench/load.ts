import autocannon from 'autocannon';
import { summarize, type Summary } from './statistics.ts';

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
export async function jsonLoad(url: string, body: unknown, connections: number, seconds: number): Promise<JsonLoadResult> {
  if (connections === 1) {
    const result = await streamLoad(url, body, 1, seconds, 100_000);
    return {
      requests: result.requests,
      errors: result.errors,
      requestsPerSecond: result.requests / seconds,
      p50: result.total.p50,
      p99: result.total.p99,
    };
  }
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
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
  firstByte: Summary;
  total: Summary;
}

/**
 * Streaming load: `connections` loops, each posting and reading the stream to its end, recording the
 * time to the first event that carries text and the total time. Bounded by `seconds` and `maxRequests`.
 */
export async function streamLoad(
  url: string,
  body: unknown,
  connections: number,
  seconds: number,
  maxRequests: number,
): Promise<StreamLoadResult> {
  const deadline = performance.now() + seconds * 1000;
  const firstByteTimes: number[] = [];
  const totalTimes: number[] = [];
  let started = 0;
  let errors = 0;
  const payload = JSON.stringify(body);
  const loop = async () => {
    while (performance.now() < deadline && started < maxRequests) {
      started += 1;
      const begin = performance.now();
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
        if (!response.ok || !response.body) throw new Error(String(response.status));
        const reader = response.body.getReader();
        let first = -1;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // The first chunk that carries an event (not only a comment) counts as the first token.
          if (first < 0 && value.includes(0x7b /* { */)) first = performance.now() - begin;
        }
        firstByteTimes.push(first);
        totalTimes.push(performance.now() - begin);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return { requests: totalTimes.length, errors, firstByte: summarize(firstByteTimes), total: summarize(totalTimes) };
}
