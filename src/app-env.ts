import type { Config } from './config.ts';
import type { ConversationStore } from './db/conversation-store.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import type { RunInBackground } from './runtime/background.ts';
import type { ModelRegistry } from './providers/model-registry.ts';
import type { ChatService } from './services/chat-service.ts';
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
  /**
   * The fetch for images this API fetches for clients (https `image_url`s for Ollama); the runtime's
   * by default. The Node entry passes one that refuses private addresses when it connects.
   */
  imageFetch?: typeof fetch;
}

export interface Services {
  config: Config;
  database: Database;
  registry: ModelRegistry;
  logger: Logger;
  store: ConversationStore;
  chat: ChatService;
  now: () => Date;
  /** Fetches a client's https image under the SSRF rules (image-fetch.ts). */
  fetchImage: ImageFetcher;
}

/** The one Hono environment type: services are put on the context by createApp. */
export interface AppEnv {
  Variables: {
    services: Services;
    requestId: string;
    ownerId: string;
    /** Per request: hands work to the runtime so it outlives the response (waitUntil on Workers). */
    runInBackground: RunInBackground;
  };
}
