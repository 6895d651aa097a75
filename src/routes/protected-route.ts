import { createRoute, type RouteConfig } from '@hono/zod-openapi';

/** How callers authenticate (API.md § Auth), as OpenAPI security schemes. */
export const securitySchemes = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`ela_…`), a session token (`els_…`), ADMIN_API_KEY, or a JWT (AUTH_JWT_SECRET / AUTH_JWKS_URL)',
  },
  sessionCookie: { type: 'apiKey', in: 'cookie', name: 'session', description: 'The cookie POST /api/auth/login sets' },
} as const;

const security = [{ bearerAuth: [] }, { sessionCookie: [] }];

/**
 * A route that needs a caller: declares the security schemes, so the OpenAPI description says so. With
 * AUTH_REQUIRED=false a request without a credential is the local user; the 401 and 403 responses are
 * in each route's error responses. `const` keeps the path's literal type, which `AppType` needs.
 */
export const protectedRoute = <const R extends RouteConfig>(route: R) => createRoute({ ...route, security });
