import { z } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonContent } from '../schemas/common.ts';
import { createdKeySchema, createKeyBody, keyIdParams, keyListQuery, keySchema, toCreatedKey, toKey } from '../schemas/keys.ts';
import { protectedRoute } from './protected-route.ts';
import { routeGroup } from './route-group.ts';

const tags = ['API keys'];
const { 400: badRequest, 401: unauthorized, 403: forbidden, 404: missing, 415: notJson } = errorResponses;

export function keyRoutes() {
  return routeGroup()
    .openapi(
      protectedRoute({
        method: 'post',
        path: '/api/keys',
        tags,
        summary: 'Create an API key (the key is shown once, stored only as its SHA-256)',
        description:
          'Anyone signed in may create a key for themselves. `user_id`, `role`, `limits` and `models` are for admins only (403 otherwise). ' +
          'A key with `models` may call only those models (403 for others, the default model included).',
        request: { body: jsonBody(createKeyBody) },
        responses: {
          201: jsonContent(createdKeySchema, 'The new key'),
          400: badRequest,
          401: unauthorized,
          403: forbidden,
          415: notJson,
        },
      }),
      async (c) => {
        const { row, key } = await c.var.services.apiKeys.create(c.var.caller, c.req.valid('json'));
        return c.json(toCreatedKey(row, key), 201);
      },
    )
    .openapi(
      protectedRoute({
        method: 'get',
        path: '/api/keys',
        tags,
        summary: "The caller's API keys (an admin: everyone's, or one user's with ?user_id=)",
        request: { query: keyListQuery },
        responses: {
          200: jsonContent(z.object({ keys: z.array(keySchema) }), 'Keys, newest first, revoked ones included'),
          400: badRequest,
          401: unauthorized,
          403: forbidden,
        },
      }),
      async (c) => {
        const rows = await c.var.services.apiKeys.list(c.var.caller, c.req.valid('query').user_id);
        return c.json({ keys: rows.map(toKey) }, 200);
      },
    )
    .openapi(
      protectedRoute({
        method: 'delete',
        path: '/api/keys/{id}',
        tags,
        summary: 'Revoke an API key: from the next request on it is 401',
        request: { params: keyIdParams },
        responses: {
          200: jsonContent(z.object({ message: z.string() }), 'Revoked'),
          400: badRequest,
          401: unauthorized,
          403: forbidden,
          404: missing,
        },
      }),
      async (c) => {
        await c.var.services.apiKeys.revoke(c.var.caller, c.req.valid('param').id);
        return c.json({ message: 'Key revoked' }, 200);
      },
    );
}
