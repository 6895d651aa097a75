/**
 * The API calls of the web app, to its own origin. The session is the HttpOnly `session` cookie that
 * login sets (sent by the browser, never readable here): no token is kept in script-visible storage.
 */

export interface ApiErrorBody {
  error?: string;
  code?: string;
}

/** A failed call: its status, the API's error body, and Retry-After (seconds) when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, body: ApiErrorBody, retryAfterSeconds: number | undefined) {
    super(body.error ?? `The server answered ${String(status)}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function retryAfterOf(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export function parseErrorBody(text: string): ApiErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const { error, code } = parsed as Record<string, unknown>;
      return { ...(typeof error === 'string' ? { error } : {}), ...(typeof code === 'string' ? { code } : {}) };
    }
  } catch {
    // not JSON: a proxy's page
  }
  return {};
}

export async function errorOf(response: Response): Promise<ApiError> {
  return new ApiError(response.status, parseErrorBody(await response.text()), retryAfterOf(response.headers));
}

/** Called when any call answers 401: the session ended, the app shows the sign-in form. */
let onUnauthorized: () => void = () => undefined;
export const setUnauthorizedHandler = (handler: () => void) => {
  onUnauthorized = handler;
};

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(path, { ...init, credentials: 'same-origin', headers });
  if (response.status === 401) onUnauthorized();
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });

export interface User {
  id: string;
  email: string | null;
  name: string | null;
  role: string;
}

export type AuthState = { kind: 'signed-out' } | { kind: 'signed-in'; user: User } | { kind: 'open' };

/**
 * Whether the app needs a sign-in: 401 from /api/auth/me means auth is on and there is no session;
 * any success is a signed-in caller; anything else (a server without auth routes) means auth is off.
 */
export async function authState(): Promise<AuthState> {
  try {
    const response = await fetch('/api/auth/me', { credentials: 'same-origin' });
    if (response.status === 401) return { kind: 'signed-out' };
    if (!response.ok) return { kind: 'open' };
    const body = (await response.json()) as { user?: User; auth?: string };
    return body.user && body.auth !== 'none' ? { kind: 'signed-in', user: body.user } : { kind: 'open' };
  } catch {
    return { kind: 'open' };
  }
}

export const signIn = (email: string, password: string) => request<{ user: User }>('/api/auth/login', json({ email, password }));
export const register = (email: string, password: string) =>
  request<{ user: User }>('/api/auth/register', json({ email, password }));
export const signOut = () => request<unknown>('/api/auth/logout', { method: 'POST' });

export interface ConversationSummary {
  id: string;
  title: string;
  model: string | null;
  updated_at: string;
  message_count: number;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status: 'complete' | 'aborted' | 'error';
  model?: string;
}

export const listConversations = (limit: number, offset: number) =>
  request<{ conversations: ConversationSummary[]; total: number }>(
    `/api/history?limit=${String(limit)}&offset=${String(offset)}`,
  );
export const getConversation = (id: string) =>
  request<{ id: string; title: string; messages: StoredMessage[] }>(`/api/history/${encodeURIComponent(id)}`);
export const renameConversation = (id: string, title: string) =>
  request<unknown>(`/api/history/${encodeURIComponent(id)}`, { method: 'PUT', body: JSON.stringify({ title }) });
export const deleteConversation = (id: string) =>
  request<unknown>(`/api/history/${encodeURIComponent(id)}`, { method: 'DELETE' });

export interface ModelInfo {
  name: string;
  provider: string;
  available?: boolean;
}

export const listModels = () => request<{ models: ModelInfo[] }>('/api/models');
