import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { classifyUpstreamFailure, parseRetryAfter } from '../../src/errors/upstream-error.ts';
import { UpstreamStreamError } from '../../src/providers/upstream-stream-error.ts';
import { backoffDelay, delayBeforeRetry, sleep } from '../../src/services/retry-policy.ts';

const settings = { baseDelayMs: 100, maxDelayMs: 1_000, retryAfterMaxMs: 5_000 };

function apiError(statusCode: number | undefined, headers: Record<string, string> = {}) {
  return new APICallError({
    message: 'Incorrect API key provided: sk-live-123 (https://api.example.com)',
    url: 'https://api.example.com/v1/chat/completions',
    requestBodyValues: {},
    ...(statusCode === undefined ? {} : { statusCode }),
    responseHeaders: headers,
  });
}

describe('classifyUpstreamFailure: the one mapper decides the API error and what may be retried', () => {
  it.each([
    [undefined, {}, 'SERVICE_UNAVAILABLE', 'same'],
    [302, {}, 'UPSTREAM_ERROR', 'next'],
    [400, {}, 'INVALID_INPUT', 'none'],
    [401, {}, 'UPSTREAM_ERROR', 'next'],
    [403, {}, 'UPSTREAM_ERROR', 'next'],
    [403, { 'content-type': 'text/html' }, 'UPSTREAM_ERROR', 'next'],
    [404, {}, 'NOT_FOUND', 'next'],
    [404, { 'content-type': 'text/html' }, 'SERVICE_UNAVAILABLE', 'next'],
    [408, {}, 'TIMEOUT', 'same'],
    [422, {}, 'INVALID_INPUT', 'none'],
    [429, {}, 'RATE_LIMIT', 'same'],
    [500, {}, 'UPSTREAM_ERROR', 'same'],
    [501, {}, 'UPSTREAM_ERROR', 'next'],
    [502, {}, 'UPSTREAM_ERROR', 'same'],
    [502, { 'content-type': 'text/html' }, 'SERVICE_UNAVAILABLE', 'same'],
    [503, {}, 'SERVICE_UNAVAILABLE', 'same'],
    [503, { 'content-type': 'text/html' }, 'SERVICE_UNAVAILABLE', 'same'],
    [504, {}, 'TIMEOUT', 'same'],
    [504, { 'content-type': 'text/html; charset=utf-8' }, 'TIMEOUT', 'same'],
    [529, {}, 'SERVICE_UNAVAILABLE', 'same'],
  ] as const)('status %s %j → %s, retry %s', (status, headers, code, retry) => {
    const failure = classifyUpstreamFailure(apiError(status, headers));
    expect(failure.error.code).toBe(code);
    expect(failure.retry).toBe(retry);
    expect(failure.error.message).not.toMatch(/sk-live|https?:/);
  });

  it('reports a lost connection after the answer started as UPSTREAM_ERROR', () => {
    expect(classifyUpstreamFailure(apiError(undefined), { started: true }).error.code).toBe('UPSTREAM_ERROR');
  });

  it('passes the upstream Retry-After on with a 429, in whole seconds', () => {
    const failure = classifyUpstreamFailure(apiError(429, { 'retry-after-ms': '1500' }));
    expect(failure.retryAfterMs).toBe(1500);
    expect(failure.error.headers).toEqual({ 'Retry-After': '2' });
  });

  it.each([
    [new UpstreamStreamError('page', 'not-a-model-response'), 'next'],
    [new UpstreamStreamError('cut', 'truncated'), 'same'],
    [new UpstreamStreamError('oom', 'error-line'), 'next'],
    [Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }), 'same'],
    [new Error('something odd'), 'next'],
  ] as const)('classifies %s as retry %s', (error, retry) => {
    expect(classifyUpstreamFailure(error).retry).toBe(retry);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, an HTTP date and retry-after-ms, and ignores what it cannot read', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter({ 'retry-after': '2' }, now)).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(parseRetryAfter({ 'retry-after': 'Mon, 23 Nov 2026 10:00:03 GMT' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after-ms': '120', 'retry-after': '9' }, now)).toBe(120);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles from the base up to the cap, with jitter between half and all of it', () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, settings, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 5].map((retry) => backoffDelay(retry, settings, () => 0))).toEqual([50, 100, 500]);
    for (let index = 0; index < 100; index += 1) {
      const delay = backoffDelay(3, settings);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });

  it('waits for Retry-After only when it is allowed and fits before the deadline', () => {
    expect(delayBeforeRetry(2_000, 1, settings, 10_000)).toBe(2_000);
    expect(delayBeforeRetry(6_000, 1, settings, 10_000)).toBeUndefined();
    expect(delayBeforeRetry(2_000, 1, settings, 1_500)).toBeUndefined();
    expect(delayBeforeRetry(undefined, 1, settings, 40)).toBeUndefined();
    expect(delayBeforeRetry(undefined, 1, settings, 10_000)).toBeLessThanOrEqual(100);
  });

  it('retries only when the attempt after the wait keeps at least as much time as the wait', () => {
    expect(delayBeforeRetry(2_000, 1, settings, 4_001)).toBe(2_000);
    expect(delayBeforeRetry(2_000, 1, settings, 4_000)).toBeUndefined();
    expect(delayBeforeRetry(2_000, 1, settings, 3_000)).toBeUndefined();
    expect(delayBeforeRetry(undefined, 1, settings, 201)).toBeDefined();
    expect(delayBeforeRetry(undefined, 1, settings, 100)).toBeUndefined();
  });

  it('stops waiting when the client leaves', async () => {
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(await sleep(1, new AbortController().signal)).toBe(true);
  });
});
