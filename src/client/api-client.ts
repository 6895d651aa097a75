/**
 * A small client for this API, for the command-line client and browser code alike (web APIs only):
 * the base URL, the bearer key, JSON calls whose failures all become one `ApiError` carrying the
 * API's `code`, and SSE streams read with the one parser (sse-parser.ts).
 */
import { readSseEvents } from './sse-parser.ts';

export interface ApiErrorDetail {
  field: string;
  message: string;
}

/**
 * Every failure of a call: the API's own error (`code` INVALID_INPUT, NOT_FOUND, RATE_LIMIT, …, or
 * the `code` of an SSE error event), or the client's: `UNREACHABLE` (no answer at the address),
 * `CONNECTION_LOST` (the answer broke off), `BAD_RESPONSE` (an answer that is not this API's JSON:
 * a proxy's page, another server), `INVALID_URL`.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  /** The HTTP status; 0 when there was no answer, 200 for an error event inside a stream. */
  readonly status: number;
  readonly code: string;
  readonly details: ApiErrorDetail[];
  readonly requestId: string | undefined;
  /** Seconds from `Retry-After`, when the API sent one (429). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: {
      details?: ApiErrorDetail[];
      requestId?: string | undefined;
      retryAfterSeconds?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.status = status;
    this.code = code;
    this.details = extra.details ?? [];
    this.requestId = extra.requestId;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }

  static isInstance(value: unknown): value is ApiError {
    return value instanceof Error && value.name === 'ApiError';
  }
}

export interface ApiClientOptions {
  /** Where the API is: `http://localhost:8787`, a deployed Worker's URL. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` (an `ela_` key, a session token, ADMIN_API_KEY). */
  apiKey?: string | undefined;
  fetch?: typeof fetch;
}

export type QueryValue = string | number | boolean | undefined;

export interface CallOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Statuses besides 2xx whose JSON body is an answer, not an error (503 from /health/ready). */
  acceptStatuses?: readonly number[];
}

export interface JsonAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface EventStream {
  /** The response headers (`X-Conversation-Id`, `X-Model`). */
  headers: Headers;
  /** The `data:` events that are JSON objects, in order; an error event throws its ApiError. Comments are skipped. */
  events: AsyncIterable<Record<string, unknown>>;
}

const isAbort = (error: unknown) => error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

/** Why a fetch failed: the first socket error code in its causes (ECONNREFUSED, ENOTFOUND), else the innermost message. */
function failureReason(error: unknown): string | undefined {
  let current: unknown = error;
  let innermost: string | undefined;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (depth > 0) innermost = current.message;
    current = current.cause;
  }
  return innermost;
}

/** The API's error body (native `{error, code, details}` or OpenAI's `{error: {message, code}}`) as an ApiError. */
function errorFromBody(status: number, body: unknown, headers: Headers): ApiError | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as Record<string, unknown>;
  const nested =
    typeof fields['error'] === 'object' && fields['error'] !== null ? (fields['error'] as Record<string, unknown>) : undefined;
  const message = nested ? nested['message'] : fields['error'];
  const code = nested ? (nested['code'] ?? nested['type']) : fields['code'];
  if (typeof message !== 'string') return undefined;
  const details = Array.isArray(fields['details'])
    ? (fields['details'] as unknown[]).filter(
        (detail): detail is ApiErrorDetail =>
          typeof detail === 'object' && detail !== null && typeof (detail as ApiErrorDetail).field === 'string',
      )
    : [];
  const retryAfter = Number(headers.get('retry-after') ?? Number.NaN);
  return new ApiError(status, typeof code === 'string' ? code : `HTTP_${String(status)}`, message, {
    details,
    requestId: headers.get('x-request-id') ?? undefined,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
  });
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchImplementation: typeof fetch;

  constructor(options: ApiClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new ApiError(0, 'INVALID_URL', `Not a URL: ${options.baseUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ApiError(0, 'INVALID_URL', `Not an http(s) URL: ${options.baseUrl}`);
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.apiKey = options.apiKey === '' ? undefined : options.apiKey;
    this.fetchImplementation = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.call<T>('GET', path, options).then((answer) => answer.body);
  }

  post<T>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.call<T>('POST', path, { ...options, body }).then((answer) => answer.body);
  }

  delete<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.call<T>('DELETE', path, options).then((answer) => answer.body);
  }

  /** A JSON call; a status outside 2xx and `acceptStatuses` rejects with the API's error. */
  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<JsonAnswer<T>> {
    const response = await this.send(method, path, options, 'application/json');
    const text = await this.readText(response);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw this.badResponse(response);
    }
    if (response.ok || options.acceptStatuses?.includes(response.status))
      return { status: response.status, body: body as T, headers: response.headers };
    throw errorFromBody(response.status, body, response.headers) ?? this.badResponse(response);
  }

  /** POSTs JSON to an SSE route; resolves when the stream started (an error before that rejects). */
  async stream(path: string, body: unknown, options: Omit<CallOptions, 'body'> = {}): Promise<EventStream> {
    const response = await this.send('POST', path, { ...options, body }, 'text/event-stream');
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (!response.ok || mediaType !== 'text/event-stream' || response.body === null) {
      const text = await this.readText(response);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw this.badResponse(response);
      }
      throw errorFromBody(response.status, parsed, response.headers) ?? this.badResponse(response);
    }
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const source = response.body;
    async function* events(): AsyncGenerator<Record<string, unknown>> {
      try {
        for await (const event of readSseEvents(source)) {
          if (event.data === undefined) continue;
          const { error, code } = event.data;
          if (typeof error === 'string')
            throw new ApiError(200, typeof code === 'string' ? code : 'STREAM_ERROR', error, { requestId });
          yield event.data;
        }
      } catch (error) {
        if (ApiError.isInstance(error) || isAbort(error)) throw error;
        throw new ApiError(200, 'CONNECTION_LOST', 'The connection to the API broke off during the answer', {
          requestId,
          cause: error,
        });
      }
    }
    return { headers: response.headers, events: events() };
  }

  private async send(method: string, path: string, options: CallOptions, accept: string): Promise<Response> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept };
    if (this.apiKey !== undefined) headers['authorization'] = `Bearer ${this.apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetchImplementation(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      const reason = failureReason(error);
      throw new ApiError(0, 'UNREACHABLE', `Cannot reach ${this.baseUrl}${reason === undefined ? '' : ` (${reason})`}`, {
        cause: error,
      });
    }
  }

  private async readText(response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(response.status, 'CONNECTION_LOST', 'The connection to the API broke off', { cause: error });
    }
  }

  private badResponse(response: Response): ApiError {
    return new ApiError(
      response.status,
      'BAD_RESPONSE',
      `${this.baseUrl} answered ${String(response.status)} with something other than this API's JSON (is --url the API?)`,
      { requestId: response.headers.get('x-request-id') ?? undefined },
    );
  }
}
