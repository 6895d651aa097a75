import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { protectedRoute } from './protected-route.ts';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';
import type { ModelInfo } from '../providers/model-provider.ts';
import { modelListSchema, openAiModelSchema } from '../schemas/openai.ts';
import { listModelsTimeoutMs } from './models.ts';
import { openAiErrorResponses } from './openai-errors.ts';

const tags = ['OpenAI-compatible'];

function toOpenAiModel(model: ModelInfo) {
  const modified = model.modified_at === undefined ? Number.NaN : Date.parse(model.modified_at);
  return {
    id: model.name,
    object: 'model' as const,
    created: Number.isNaN(modified) ? 0 : Math.floor(modified / 1000),
    owned_by: model.provider,
  };
}

const listAvailable = async (c: Context<AppEnv>) => {
  const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(listModelsTimeoutMs)]);
  const models = await c.var.services.registry.listModels(signal);
  return models.filter((model) => model.available !== false);
};

const modelNotFound = (id: string) =>
  new AppError('NOT_FOUND', `The model '${id}' does not exist`, { details: [{ field: 'model', message: 'no such model' }] });

/**
 * The listed model a requested id names: the id as listed, or what the registry makes of it (a bare
 * name goes to the default provider; Ollama's `llama3.2` is `llama3.2:latest`).
 */
function findModel(models: readonly ModelInfo[], id: string, resolved: string | undefined): ModelInfo | undefined {
  const candidates = [id, resolved, resolved === undefined ? undefined : `${resolved}:latest`];
  for (const candidate of candidates) {
    const found = candidate === undefined ? undefined : models.find((model) => model.name === candidate);
    if (found) return found;
  }
  return undefined;
}

const retrieveRoute = protectedRoute({
  method: 'get',
  path: '/v1/models/{id}',
  tags,
  summary: "One model or alias, in OpenAI's model format",
  description:
    'The id may carry its `/` raw (`/v1/models/ollama/llama3.2`) or percent-encoded (`ollama%2Fllama3.2`). Unknown: 404 model_not_found.',
  request: {
    params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'ollama/llama3.2' }) }),
  },
  responses: {
    200: { description: 'The model', content: { 'application/json': { schema: openAiModelSchema } } },
    404: openAiErrorResponses[404],
    502: openAiErrorResponses[502],
    503: openAiErrorResponses[503],
    504: openAiErrorResponses[504],
  },
});

export function registerOpenAiModelRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    protectedRoute({
      method: 'get',
      path: '/v1/models',
      tags,
      summary: "The models and aliases that can be called, in OpenAI's list format",
      description: 'Providers that do not answer are left out; `created` is 0 where the provider gives no date.',
      responses: {
        200: { description: 'Models', content: { 'application/json': { schema: modelListSchema } } },
        502: openAiErrorResponses[502],
        503: openAiErrorResponses[503],
        504: openAiErrorResponses[504],
      },
    }),
    async (c) => c.json({ object: 'list' as const, data: (await listAvailable(c)).map(toOpenAiModel) }, 200),
  );

  // Registered by hand so the id may hold a raw `/`; documented as the route above.
  app.openAPIRegistry.registerPath(retrieveRoute);
  app.get('/v1/models/:id{.+}', async (c) => {
    const id = c.req.param('id');
    let resolved: string | undefined;
    try {
      resolved = c.var.services.registry.resolve(id).model.id;
    } catch (error) {
      if (AppError.isInstance(error) && error.code === 'NOT_FOUND') throw modelNotFound(id);
      throw error;
    }
    const models = await listAvailable(c);
    const model = findModel(models, id, resolved);
    if (!model) throw modelNotFound(id);
    return c.json(toOpenAiModel(model), 200);
  });
}
