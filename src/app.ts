import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { AppDependencies, AppEnv, Services } from './app-env.ts';
import { AccountService } from './auth/account-service.ts';
import { ApiKeyService } from './auth/api-key-service.ts';
import { authenticate } from './auth/authenticate.ts';
import { CredentialResolver } from './auth/credential-resolver.ts';
import { createJwtVerifier } from './auth/jwt-verifier.ts';
import { ConversationStore } from './db/conversation-store.ts';
import { IdentityStore } from './db/identity-store.ts';
import { AppError } from './errors/app-error.ts';
import { handleError, handleNotFound } from './errors/error-handler.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { corsFor } from './middleware/cors.ts';
import { requireJsonBody } from './middleware/require-json.ts';
import { secureHeadersFor } from './middleware/secure-headers.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerChatRoutes } from './routes/chat.ts';
import { registerCompatRoutes } from './routes/compat.ts';
import { registerGenerateRoutes } from './routes/generate.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerHistoryRoutes } from './routes/history.ts';
import { registerKeyRoutes } from './routes/keys.ts';
import { registerModelPullRoute } from './routes/model-pull.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerOpenAiRoutes } from './routes/openai.ts';
import { securitySchemes } from './routes/protected-route.ts';
import { backgroundRunner } from './runtime/background.ts';
import { ChatService } from './services/chat-service.ts';

function buildServices(dependencies: AppDependencies): Services {
  const now = dependencies.clock ?? (() => new Date());
  const store = new ConversationStore(dependencies.database);
  const identities = new IdentityStore(dependencies.database);
  const { logger, config } = dependencies;
  const jwt = createJwtVerifier(
    {
      secret: config.AUTH_JWT_SECRET,
      jwksUrl: config.AUTH_JWKS_URL,
      issuer: config.AUTH_JWT_ISSUER,
      audience: config.AUTH_JWT_AUDIENCE,
    },
    dependencies.fetch,
  );
  return {
    config,
    database: dependencies.database,
    registry: dependencies.registry,
    logger,
    store,
    now,
    chat: new ChatService({ config, store, registry: dependencies.registry, logger, now }),
    credentials: new CredentialResolver({ config, store: identities, jwt, now }),
    accounts: new AccountService({ config, store: identities, now }),
    apiKeys: new ApiKeyService({ store: identities, registry: dependencies.registry, now }),
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

  for (const [name, scheme] of Object.entries(securitySchemes))
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);

  app.use(requestId());
  app.use(async (c, next) => {
    c.set('services', services);
    c.set('runInBackground', backgroundRunner(c, services.logger, hasExecutionContext));
    await next();
  });
  app.use(secureHeadersFor(config.CORS_ORIGINS !== undefined));
  // CORS before authentication: preflights are answered without a credential, and 401s carry CORS headers.
  app.use(corsFor(config.CORS_ORIGINS));
  app.use(authenticate);
  app.use(bodyLimit(config.MAX_BODY_BYTES));
  app.use(requireJsonBody);

  registerAuthRoutes(app);
  registerKeyRoutes(app);
  registerChatRoutes(app, limits);
  registerHistoryRoutes(app);
  registerGenerateRoutes(app, limits);
  registerCompatRoutes(app, limits);
  registerModelRoutes(app);
  registerModelPullRoute(app);
  registerOpenAiRoutes(app, limits);
  registerHealthRoutes(app);

  app.onError(handleError);
  app.notFound(handleNotFound);
  return app;
}

export type App = ReturnType<typeof createApp>;
