/**
 * Routes that answer without a credential (API.md § Auth): health, the API description, sign-in and
 * registration, and every CORS preflight. The web app's pages and assets are served before the
 * authentication middleware runs, so they need no entry here.
 */
const publicRoutes = new Set([
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  'GET /openapi.json',
  'GET /docs',
  'POST /api/auth/login',
  'POST /api/auth/register',
]);

export function isPublicRoute(method: string, path: string): boolean {
  if (method === 'OPTIONS') return true;
  return publicRoutes.has(`${method === 'HEAD' ? 'GET' : method} ${path}`);
}
