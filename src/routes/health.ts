import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv, Services } from '../app-env.ts';
import type { ProviderHealth } from '../providers/model-provider.ts';
import { circuitSchema } from '../schemas/circuit.ts';
import { jsonContent } from '../schemas/common.ts';
import { routeGroup } from './route-group.ts';

const checkTimeoutMs = 3_000;
export const version = '0.1.0';

const checkSchema = z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() });
const providerCheckSchema = checkSchema.extend({
  circuits: z.record(z.string(), circuitSchema).optional().openapi({
    description: "This provider's models whose circuit is open, half-open or has failures (CIRCUIT_FAILURE_THRESHOLD)",
  }),
});
const checksSchema = z
  .object({ database: checkSchema, providers: z.record(z.string(), providerCheckSchema) })
  .openapi('HealthChecks');
const liveSchema = z.object({ status: z.literal('ok'), timestamp: z.string() }).openapi('Liveness');
export const readySchema = z.object({ status: z.enum(['ready', 'not_ready']), checks: checksSchema }).openapi('Readiness');
export const healthSchema = z
  .object({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    timestamp: z.string(),
    version: z.string(),
    checks: checksSchema,
  })
  .openapi('Health');

async function runChecks(services: Services, signal: AbortSignal) {
  const timeout = AbortSignal.any([signal, AbortSignal.timeout(checkTimeoutMs)]);
  const databaseCheck = async (): Promise<ProviderHealth> => {
    const started = performance.now();
    try {
      await services.database.ping();
      return { ok: true, latency_ms: Math.round(performance.now() - started) };
    } catch {
      return { ok: false, latency_ms: Math.round(performance.now() - started), error: 'DATABASE_UNAVAILABLE' };
    }
  };
  const [database, health] = await Promise.all([databaseCheck(), services.registry.health(timeout)]);
  const providers: Record<string, z.infer<typeof providerCheckSchema>> = health;
  for (const { id, provider, circuit } of services.circuit.views()) {
    const check = providers[provider];
    if (check) check.circuits = { ...check.circuits, [id]: circuit };
  }
  return { database, providers };
}

/** A model whose circuit is open or half-open: its calls are skipped, so the gateway is degraded. */
const anyCircuitOpen = (services: Services) => services.circuit.views().some(({ circuit }) => circuit.state !== 'closed');

const liveRoute = <P extends '/health' | '/health/live'>(path: P) =>
  createRoute({
    method: 'get',
    path,
    tags: ['Health'],
    summary: 'Liveness: answers without touching anything',
    responses: { 200: jsonContent(liveSchema, 'Alive') },
  });

const alive = (c: Context<AppEnv>) => c.json({ status: 'ok' as const, timestamp: c.var.services.now().toISOString() }, 200);

export function healthRoutes() {
  return routeGroup()
    .openapi(liveRoute('/health'), (c) => alive(c))
    .openapi(liveRoute('/health/live'), (c) => alive(c))
    .openapi(
      createRoute({
        method: 'get',
        path: '/health/ready',
        tags: ['Health'],
        summary: 'Readiness: the database and at least one provider answer',
        responses: { 200: jsonContent(readySchema, 'Ready'), 503: jsonContent(readySchema, 'Not ready') },
      }),
      async (c) => {
        const checks = await runChecks(c.var.services, c.req.raw.signal);
        // One provider down is a degraded gateway, not one to take out of rotation: fallbacks still answer.
        const ready = checks.database.ok && Object.values(checks.providers).some((check) => check.ok);
        return ready ? c.json({ status: 'ready' as const, checks }, 200) : c.json({ status: 'not_ready' as const, checks }, 503);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/health',
        tags: ['Health'],
        summary:
          "Health with each dependency: healthy, degraded (a provider is down or a model's circuit is open) or unhealthy (the database is down)",
        responses: { 200: jsonContent(healthSchema, 'Health report'), 503: jsonContent(healthSchema, 'Unhealthy') },
      }),
      async (c) => {
        const checks = await runChecks(c.var.services, c.req.raw.signal);
        const providersOk = Object.values(checks.providers).every((check) => check.ok) && !anyCircuitOpen(c.var.services);
        const status = !checks.database.ok ? 'unhealthy' : providersOk ? 'healthy' : 'degraded';
        const body = { status, timestamp: c.var.services.now().toISOString(), version, checks } as const;
        return status === 'unhealthy' ? c.json(body, 503) : c.json(body, 200);
      },
    );
}
