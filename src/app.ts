import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { AppDependencies, AppEnv, Services } from './app-env.ts';
import { ConversationStore } from './db/conversation-store.ts';
import { LOCAL_OWNER_ID } from './db/schema.ts';
import { AppError } from './errors/app-error.ts';
import { handleError, handleNotFound } from './errors/error-handler.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { requireJsonBody } from './middleware/require-json.ts';
import { registerChatRoutes } from './routes/chat.ts';
import { registerCompatRoutes } from './routes/compat.ts';
import { registerGenerateRoutes } from './routes/generate.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerHistoryRoutes } from './routes/history.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerOpenAiRoutes } from './routes/openai.ts';
import { backgroundRunner } from './runtime/background.ts';
import { ChatService } from './services/chat-service.ts';
import { createImageFetcher } from './services/image-fetch.ts';

function buildServices(dependencies: AppDependencies): Services {
  const now = dependencies.clock ?? (() => new Date());
  const store = new ConversationStore(dependencies.database);
  const { logger } = dependencies;
  const imageFetch = dependencies.imageFetch ?? ((input, init) => globalThis.fetch(input, init));
  const fetchImage = createImageFetcher(imageFetch);
  return {
    config: dependencies.config,
    database: dependencies.database,
    registry: dependencies.registry,
    logger,
    store,
    now,
    fetchImage,
    chat: new ChatService({ config: dependencies.config, store, registry: dependencies.registry, logger, now, fetchImage }),
  };
}

/** Builds the whole API from its dependencies; every runtime's entry serves what this returns. */
export function createApp(dependencies: AppDependencies) {
  const services = buildServices(dependencies);
  const hasExecutionContext = dependencies.hasExecutionContext ?? false;
  const { config } = services;
  const limits = { maxMessageChars: config.MAX_MESSAGE_CHARS, maxOutputTokens: config.MAX_OUTPUT_TOKENS };

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError('INVALID_INPUT', 'Invalid input', {
          details: result.error.issues.map((issue) => ({
            field: issue.path.length === 0 ? '(body)' : issue.path.join('.'),
            message: issue.message,
          })),
        });
      }
    },
  });

  app.use(requestId());
  app.use(async (c, next) => {
    c.set('services', services);
    c.set('ownerId', LOCAL_OWNER_ID);
    c.set('runInBackground', backgroundRunner(c, services.logger, hasExecutionContext));
    await next();
  });
  app.use(bodyLimit(config.MAX_BODY_BYTES));
  app.use(requireJsonBody);

  registerChatRoutes(app, limits);
  registerHistoryRoutes(app);
  registerGenerateRoutes(app, limits);
  registerCompatRoutes(app, limits);
  registerModelRoutes(app);
  registerOpenAiRoutes(app, limits);
  registerHealthRoutes(app);

  app.onError(handleError);
  app.notFound(handleNotFound);
  return app;
}

export type App = ReturnType<typeof createApp>;
