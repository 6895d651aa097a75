import { protectedRoute } from './protected-route.ts';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { circuitSchema } from '../schemas/circuit.ts';
import { errorResponses, jsonContent } from '../schemas/common.ts';
import type { ModelInfo } from '../providers/model-provider.ts';
import type { CircuitBreaker, CircuitView } from '../services/circuit-breaker.ts';
import { routeGroup } from './route-group.ts';

const modelSchema = z
  .object({
    name: z.string(),
    provider: z.string(),
    modified_at: z.string().optional(),
    size: z.number().optional(),
    size_bytes: z.number().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    available: z.boolean().optional().openapi({ description: 'false when the provider did not answer (listed as provider/*)' }),
    error: z.string().optional().openapi({ description: 'The error code of a provider that did not answer' }),
    chain: z.array(z.string()).optional().openapi({ description: "An alias's models, tried in order" }),
    circuit: circuitSchema
      .optional()
      .openapi({ description: "The model's circuit, when circuit breaking is on (CIRCUIT_FAILURE_THRESHOLD)" }),
  })
  .openapi('Model');

const modelsResponse = z.object({ models: z.array(modelSchema) }).openapi('ModelList');

/** How long listing every provider's models may take, for /api/models and /v1/models. */
export const listModelsTimeoutMs = 10_000;

const listRoute = <P extends '/api/models' | '/models'>(path: P) =>
  protectedRoute({
    method: 'get',
    path,
    tags: ['Models'],
    summary: "Every provider's models (Ollama's from /api/tags, the configured cloud models) and the aliases",
    description:
      'A provider that does not answer is listed as `provider/*` with `available: false`; an alias has `provider: "alias"` and its `chain`. ' +
      'Only when nothing at all can be listed is the failure the answer.',
    responses: {
      200: jsonContent(modelsResponse, 'Models, named provider/model'),
      401: errorResponses[401],
      403: errorResponses[403],
      502: errorResponses[502],
      503: errorResponses[503],
      504: errorResponses[504],
    },
  });

/**
 * Each listed model with its circuit, when circuit breaking is on (aliases and providers that did not
 * answer have none). Ollama lists `llama3.2:latest` for the `llama3.2` that calls name.
 */
function withCircuits(models: ModelInfo[], circuit: CircuitBreaker): (ModelInfo & { circuit?: CircuitView })[] {
  if (!circuit.enabled) return models;
  const known = new Map(circuit.views().map((view) => [view.id, view.circuit]));
  return models.map((model) => {
    if (model.provider === 'alias' || model.available === false) return model;
    const untagged = model.name.endsWith(':latest') ? model.name.slice(0, -':latest'.length) : undefined;
    const view = known.get(model.name) ?? (untagged === undefined ? undefined : known.get(untagged));
    return { ...model, circuit: view ?? circuit.view(model.name) };
  });
}

const listModels = async (c: Context<AppEnv>) => {
  const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(listModelsTimeoutMs)]);
  const { registry, circuit } = c.var.services;
  return c.json({ models: withCircuits(await registry.listModels(signal), circuit) }, 200);
};

export function modelRoutes() {
  return routeGroup()
    .openapi(listRoute('/api/models'), (c) => listModels(c))
    .openapi(listRoute('/models'), (c) => listModels(c));
}
