import type { AccountService } from './auth/account-service.ts';
import type { ApiKeyService } from './auth/api-key-service.ts';
import type { Caller } from './auth/caller.ts';
import type { CredentialResolver } from './auth/credential-resolver.ts';
import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from './config.ts';
import type { ConversationStore } from './db/conversation-store.ts';
import type { Database } from './db/database.ts';
import type { UsageStore } from './db/usage-store.ts';
import type { Logger } from './logger.ts';
import type { ApiMetrics } from './observability/metrics.ts';
import type { RequestRecord } from './observability/request-record.ts';
import type { RunInBackground } from './runtime/background.ts';
import type { GenerationDrain } from './runtime/generation-drain.ts';
import type { ModelRegistry } from './providers/model-registry.ts';
import type { ChatService } from './services/chat-service.ts';
import type { CircuitBreaker } from './services/circuit-breaker.ts';
import type { GenerationService } from './services/generation-service.ts';
import type { UiChatService } from './services/ui-chat-service.ts';
import type { ImageFetcher } from './services/image-fetch.ts';

/** What an entry file builds and hands to createApp. */
export interface AppDependencies {
  config: Config;
  database: Database;
  registry: ModelRegistry;
  logger: Logger;
  /** Current time; tests may pin it. */
  clock?: () => Date;
  /** True on Workers: work that must outlive the response goes to `executionCtx.waitUntil`. */
  hasExecutionContext?: boolean;
  /** The fetch for this API's own outbound calls that are not model calls (an identity provider's JWKS). */
  fetch?: typeof fetch;
  /**
   * The client's address as the runtime knows it (the socket's peer; on Workers `CF-Connecting-IP`): who
   * the limits count a request without a credential for. `X-Forwarded-For` replaces it with TRUST_PROXY.
   */
  clientAddress?: (c: Context) => string | undefined;
  /** False on Workers, where each isolate would only count itself: /metrics is 404 there. */
  metrics?: boolean;
  /**
   * The runtime's serveStatic over the built web app (web/dist), from the Node, Bun and Deno entries;
   * absent on Workers, where wrangler.toml's `[assets]` serve it.
   */
  webAppFiles?: MiddlewareHandler;
  /**
   * The fetch for images this API fetches for clients (https `image_url`s for Ollama); the runtime's
   * by default. The Node entry passes one that refuses private addresses when it connects.
   */
  imageFetch?: typeof fetch;
  /**
   * The generations in flight, from the Node, Bun and Deno entries, which drain them on SIGTERM
   * (process-lifecycle.ts); absent on Workers.
   */
  drain?: GenerationDrain;
}

export interface Services {
  config: Config;
  database: Database;
  registry: ModelRegistry;
  logger: Logger;
  store: ConversationStore;
  chat: ChatService;
  credentials: CredentialResolver;
  accounts: AccountService;
  apiKeys: ApiKeyService;
  generations: GenerationService;
  /** Circuit breaking per provider/model (shown by /api/health and /api/models). */
  circuit: CircuitBreaker;
  usage: UsageStore;
  /** Undefined where metrics are not served (Workers). */
  metrics: ApiMetrics | undefined;
  /** The address the limits count an anonymous caller by. */
  clientAddress: (c: Context) => string | undefined;
  uiChat: UiChatService;
  now: () => Date;
  /** Fetches a client's https image under the SSRF rules (image-fetch.ts). */
  fetchImage: ImageFetcher;
}

/** The one Hono environment type: services are put on the context by createApp. */
export interface AppEnv {
  Variables: {
    services: Services;
    requestId: string;
    /** Who makes the request: set by the one authentication middleware (src/auth/authenticate.ts). */
    caller: Caller;
    /** Per request: hands work to the runtime so it outlives the response (waitUntil on Workers). */
    runInBackground: RunInBackground;
    /** What the access log writes about this request besides its status. */
    requestRecord: RequestRecord;
  };
}
