import { AppError } from '../errors/app-error.ts';
import { toUpstreamError } from '../errors/upstream-error.ts';
import type { ProviderHealth } from './model-provider.ts';

/** GETs JSON from a provider (model lists, health). Failures are AppErrors through the one upstream mapper. */
export async function getUpstreamJson<T>(
  fetchUpstream: typeof fetch,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<T> {
  let response: Response;
  try {
    response = await fetchUpstream(url, { headers, signal });
  } catch (error) {
    throw toUpstreamError(error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AppError('UPSTREAM_ERROR', `The model server answered ${String(response.status)}`);
  }
  if ((response.headers.get('content-type') ?? '').includes('text/html')) {
    await response.body?.cancel();
    throw new AppError('UPSTREAM_ERROR', 'The model server answered with a web page; check the tunnel or proxy in front of it');
  }
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw toUpstreamError(error);
  }
}

/** Times a cheap request; a failure is reported with its error code, never its message. */
export async function checkHealth(probe: () => Promise<unknown>): Promise<ProviderHealth> {
  const started = performance.now();
  try {
    await probe();
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    const appError = AppError.isInstance(error) ? error : toUpstreamError(error);
    return { ok: false, latency_ms: Math.round(performance.now() - started), error: appError.code };
  }
}
