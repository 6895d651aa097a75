import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonContent } from '../schemas/common.ts';

const modelSchema = z
  .object({
    name: z.string(),
    provider: z.string(),
    modified_at: z.string().optional(),
    size: z.number().optional(),
    size_bytes: z.number().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Model');

const modelsResponse = z.object({ models: z.array(modelSchema) }).openapi('ModelList');

const listModelsTimeoutMs = 10_000;

export function registerModelRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const path of ['/api/models', '/models']) {
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags: ['Models'],
        summary: "The models the providers offer (Ollama's installed models from /api/tags)",
        responses: {
          200: jsonContent(modelsResponse, 'Models, named provider/model'),
          502: errorResponses[502],
          503: errorResponses[503],
          504: errorResponses[504],
        },
      }),
      async (c) => {
        const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(listModelsTimeoutMs)]);
        return c.json({ models: await c.var.services.registry.listModels(signal) }, 200);
      },
    );
  }
}
