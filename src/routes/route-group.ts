import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';

/** Validation failures of every route: 400 INVALID_INPUT with each bad field in `details`. */
export const validationHook = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
  if (!result.success) {
    throw new AppError('INVALID_INPUT', 'Invalid input', {
      details: (result.error?.issues ?? []).map((issue) => ({
        field: issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.'),
        message: issue.message,
      })),
    });
  }
};

/**
 * A group of routes (one resource): an OpenAPIHono with the app's validation hook. Groups are chained
 * (`.openapi(…).openapi(…)`) and mounted with `app.route('/', group)`, so the app's type (`AppType`)
 * carries every route for the typed client.
 */
export const routeGroup = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
