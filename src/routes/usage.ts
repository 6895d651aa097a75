import { isAdmin } from '../auth/caller.ts';
import { AppError } from '../errors/app-error.ts';
import { errorResponses, jsonContent } from '../schemas/common.ts';
import { usageQuery, usageReportSchema } from '../schemas/usage.ts';
import { protectedRoute } from './protected-route.ts';
import { routeGroup } from './route-group.ts';

const defaultRangeMs = 30 * 86_400_000;
const { 400: badRequest, 401: unauthorized, 403: forbidden } = errorResponses;

export function usageRoutes() {
  return routeGroup().openapi(
    protectedRoute({
      method: 'get',
      path: '/api/usage',
      tags: ['Usage'],
      summary: 'Usage summed per model, day, key or user: own usage, or everyone’s for an admin',
      description:
        'Every generation is recorded once, whatever its route and outcome; it survives the deletion of its conversation. ' +
        '`from` is inclusive, `to` exclusive (default: the 30 days before now); `requests` counts generations, embeddings included. ' +
        'Tokens are the upstream’s counts; a call whose upstream reported none adds 0 here (its row keeps NULL).',
      request: { query: usageQuery },
      responses: { 200: jsonContent(usageReportSchema, 'The report'), 400: badRequest, 401: unauthorized, 403: forbidden },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const to = query.to ?? c.var.services.now().toISOString();
      const from = query.from ?? new Date(Date.parse(to) - defaultRangeMs).toISOString();
      if (Date.parse(from) >= Date.parse(to))
        throw new AppError('INVALID_INPUT', 'Invalid input', { details: [{ field: 'to', message: 'must be after from' }] });
      const { caller } = c.var;
      const report = await c.var.services.usage.report({
        from,
        to,
        groupBy: query.group_by,
        userId: isAdmin(caller) ? undefined : caller.userId,
      });
      return c.json({ from, to, group_by: query.group_by, ...report }, 200);
    },
  );
}
