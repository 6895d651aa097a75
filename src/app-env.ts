import type { AccountService } from './auth/account-service.ts';
import type { ApiKeyService } from './auth/api-key-service.ts';
import type { Caller } from './auth/caller.ts';
import type { CredentialResolver } from './auth/credential-resolver.ts';
import type { Config } from './config.ts';
import type { ConversationStore } from './db/conversation-store.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import type { RunInBackground } from './runtime/background.ts';
import type { ModelRegistry } from './providers/model-registry.ts';
import type { ChatService } from './services/chat-service.ts';

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
  now: () => Date;
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
  };
}
