import { createRoute, z } from '@hono/zod-openapi';
import { requireAdmin } from '../auth/authenticate.ts';
import { AppError } from '../errors/app-error.ts';
import { prometheusContentType } from '../observability/metrics-registry.ts';
import { errorResponses } from '../schemas/common.ts';
import { routeGroup } from './route-group.ts';

export function metricsRoutes() {
  return routeGroup().openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics (text format 0.0.4)',
      description:
        'With METRICS_TOKEN set, `Authorization: Bearer <METRICS_TOKEN>` is required; otherwise open while auth is off and admin-only while it is on. ' +
        'On Cloudflare Workers this is 404: each isolate would only count its own requests (use Workers Logs or Analytics Engine there).',
      security: [{ bearerAuth: [] }],
      responses: {
        200: { description: 'The metrics', content: { 'text/plain': { schema: z.string() } } },
        401: errorResponses[401],
        403: errorResponses[403],
        404: errorResponses[404],
      },
    }),
    (c) => {
      const { metrics } = c.var.services;
      if (metrics === undefined)
        throw new AppError(
          'NOT_FOUND',
          'Metrics are not served on Cloudflare Workers (each isolate only sees itself): use Workers Logs or Analytics Engine',
        );
      // With METRICS_TOKEN set only its bearer gets here (src/auth/authenticate.ts).
      if (c.var.caller.method !== 'metrics_token') requireAdmin(c.var.caller, 'Metrics');
      return c.text(metrics.registry.render(), 200, { 'Content-Type': prometheusContentType });
    },
  );
}
