import { requestId } from 'hono/request-id';
import type { AppDependencies, Services } from './app-env.ts';
import { AccountService } from './auth/account-service.ts';
import { ApiKeyService } from './auth/api-key-service.ts';
import { authenticate } from './auth/authenticate.ts';
import { CredentialResolver } from './auth/credential-resolver.ts';
import { createJwtVerifier } from './auth/jwt-verifier.ts';
import { ConversationStore } from './db/conversation-store.ts';
import { IdentityStore } from './db/identity-store.ts';
import { LimitStore } from './db/limit-store.ts';
import { UsageStore } from './db/usage-store.ts';
import { handleError, handleNotFound } from './errors/error-handler.ts';
import { Limiter } from './limits/limiter.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { corsFor } from './middleware/cors.ts';
import { requireJsonBody } from './middleware/require-json.ts';
import { secureHeadersFor } from './middleware/secure-headers.ts';
import { accessLog } from './observability/access-log.ts';
import { ApiMetrics } from './observability/metrics.ts';
import { authRoutes } from './routes/auth.ts';
import { chatRoutes } from './routes/chat.ts';
import { serveApiDescription } from './routes/docs.ts';
import { compatRoutes } from './routes/compat.ts';
import { generateRoutes } from './routes/generate.ts';
import { healthRoutes } from './routes/health.ts';
import { historyRoutes } from './routes/history.ts';
import { keyRoutes } from './routes/keys.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { modelRoutes } from './routes/models.ts';
import { openAiRoutes } from './routes/openai.ts';
import { modelPullRoutes } from './routes/model-pull.ts';
import { securitySchemes } from './routes/protected-route.ts';
import { routeGroup } from './routes/route-group.ts';
import { usageRoutes } from './routes/usage.ts';
import { uiChatRoutes } from './routes/ui-chat.ts';
import { registerWebApp } from './routes/web-app.ts';
import { backgroundRunner } from './runtime/background.ts';
import { clientAddressResolver } from './runtime/client-address.ts';
import { ChatService } from './services/chat-service.ts';
import { CircuitBreaker } from './services/circuit-breaker.ts';
import { GenerationEvents } from './services/generation-events.ts';
import { GenerationService } from './services/generation-service.ts';
import { usageRecorder } from './usage/usage-recorder.ts';
import { UiChatService } from './services/ui-chat-service.ts';
import { createImageFetcher } from './services/image-fetch.ts';

function buildServices(dependencies: AppDependencies): Services {
  const now = dependencies.clock ?? (() => new Date());
  const { logger, config } = dependencies;
  const store = new ConversationStore(dependencies.database, { maxConversations: config.HISTORY_MAX_CONVERSATIONS });
  const identities = new IdentityStore(dependencies.database);
  const jwt = createJwtVerifier(
    {
      secret: config.AUTH_JWT_SECRET,
      jwksUrl: config.AUTH_JWKS_URL,
      issuer: config.AUTH_JWT_ISSUER,
      audience: config.AUTH_JWT_AUDIENCE,
    },
    dependencies.fetch,
  );
  const { registry } = dependencies;
  const imageFetch = dependencies.imageFetch ?? ((input, init) => globalThis.fetch(input, init));
  const fetchImage = createImageFetcher(imageFetch);
  const chat = new ChatService({ config, store, registry, logger, now, fetchImage });
  const uiChat = new UiChatService({ config, store, registry, now, fetchImage });
  const usage = new UsageStore(dependencies.database);
  const limiter = new Limiter(config, new LimitStore(dependencies.database));
  const metrics = dependencies.metrics === false ? undefined : new ApiMetrics();
  // One per app: a process's (an isolate's on Workers) circuits per provider/model.
  const circuit = CircuitBreaker.fromConfig(config, () => now().getTime(), logger);
  metrics?.watchCircuits(circuit);
  // The one settled event of every generation: the usage ledger, the limits and the metrics listen to it.
  const events = new GenerationEvents(logger);
  events.onSettled(usageRecorder(usage, logger, config.DATABASE_WRITE_TIMEOUT_MS));
  events.onSettled((event) => limiter.settle(event));
  metrics?.subscribe(events);
  return {
    config,
    database: dependencies.database,
    registry,
    logger,
    store,
    now,
    chat,
    uiChat,
    credentials: new CredentialResolver({ config, store: identities, jwt, now }),
    accounts: new AccountService({ config, store: identities, now }),
    apiKeys: new ApiKeyService({ store: identities, registry, now }),
    generations: new GenerationService({
      config,
      chat,
      uiChat,
      limiter,
      events,
      circuit,
      drain: dependencies.drain,
      now,
      services: { config, registry, logger },
    }),
    circuit,
    usage,
    metrics,
    clientAddress: clientAddressResolver(config.TRUST_PROXY, dependencies.clientAddress),
    fetchImage,
  };
}

/** Builds the whole API from its dependencies; every runtime's entry serves what this returns. */
export function createApp(dependencies: AppDependencies) {
  const services = buildServices(dependencies);
  const hasExecutionContext = dependencies.hasExecutionContext ?? false;
  const { config } = services;
  const limits = { maxMessageChars: config.MAX_MESSAGE_CHARS, maxOutputTokens: config.MAX_OUTPUT_TOKENS };

  const app = routeGroup();

  for (const [name, scheme] of Object.entries(securitySchemes))
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);

  app.use(requestId());
  app.use(async (c, next) => {
    c.set('services', services);
    c.set('runInBackground', backgroundRunner(c, services.logger, hasExecutionContext));
    await next();
  });
  app.use(accessLog);
  if (services.metrics) app.use(services.metrics.middleware);
  app.use(secureHeadersFor(config.CORS_ORIGINS !== undefined));
  // CORS before authentication: preflights are answered without a credential, and 401s carry CORS headers.
  app.use(corsFor(config.CORS_ORIGINS));
  // The web app's pages and assets are public: served before authentication, with the headers above.
  registerWebApp(app, dependencies.webAppFiles);
  app.use(authenticate);
  app.use(bodyLimit(config.MAX_BODY_BYTES));
  app.use(requireJsonBody);

  // Chained, so the app's type carries every route (AppType, for the typed client in src/client/).
  const api = app
    .route('/', authRoutes())
    .route('/', keyRoutes())
    .route('/', chatRoutes(limits))
    .route('/', uiChatRoutes(limits))
    .route('/', historyRoutes())
    .route('/', generateRoutes(limits))
    .route('/', compatRoutes(limits))
    .route('/', modelRoutes())
    .route('/', modelPullRoutes())
    .route('/', openAiRoutes(limits))
    .route('/', healthRoutes())
    .route('/', usageRoutes())
    .route('/', metricsRoutes());

  serveApiDescription(api);
  api.onError(handleError);
  api.notFound(handleNotFound);
  return api;
}

export type App = ReturnType<typeof createApp>;
/** Every route of the API with its request and response types, for `hc<AppType>` (src/client/typed-client.ts). */
export type AppType = App;
