import { createRoute, z } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { sessionCookieName } from '../auth/authenticate.ts';
import { errorResponses, errorSchema, jsonBody, jsonContent } from '../schemas/common.ts';
import { loginBody, loginResponse, meResponse, registerBody, toUser, userSchema } from '../schemas/auth.ts';
import { protectedRoute } from './protected-route.ts';
import { routeGroup } from './route-group.ts';

const tags = ['Auth'];
const { 400: badRequest, 401: unauthorized, 403: forbidden, 415: notJson } = errorResponses;

export function authRoutes() {
  return routeGroup()
    .openapi(
      createRoute({
        method: 'post',
        path: '/api/auth/register',
        tags,
        summary: 'Create an account (only while AUTH_ALLOW_REGISTRATION=true)',
        description:
          'Emails are compared case-insensitively and stored in lower case. Registering does not sign in: call login next.',
        request: { body: jsonBody(registerBody) },
        responses: {
          201: jsonContent(z.object({ user: userSchema }), 'The new user'),
          400: badRequest,
          403: { description: 'Registration is closed', content: { 'application/json': { schema: errorSchema } } },
          409: { description: 'The email is already registered', content: { 'application/json': { schema: errorSchema } } },
          415: notJson,
        },
      }),
      async (c) => {
        const user = await c.var.services.accounts.register(c.req.valid('json'));
        return c.json({ user: toUser(user) }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/api/auth/login',
        tags,
        summary: 'Sign in with email and password: a session token and the HttpOnly `session` cookie',
        description:
          'The session lasts SESSION_TTL_SECONDS. The cookie is `HttpOnly; SameSite=Lax; Path=/` (`Secure` over https). ' +
          'A wrong password and an unknown email get the same 401.',
        request: { body: jsonBody(loginBody) },
        responses: { 200: jsonContent(loginResponse, 'Signed in'), 400: badRequest, 401: unauthorized, 415: notJson },
      }),
      async (c) => {
        const { email, password } = c.req.valid('json');
        const { config, accounts } = c.var.services;
        const session = await accounts.login(email, password);
        setCookie(c, sessionCookieName, session.token, {
          httpOnly: true,
          sameSite: 'Lax',
          path: '/',
          secure: new URL(c.req.url).protocol === 'https:',
          maxAge: config.SESSION_TTL_SECONDS,
        });
        return c.json({ token: session.token, expires_at: session.expiresAt, user: toUser(session.user) }, 200);
      },
    )
    .openapi(
      protectedRoute({
        method: 'post',
        path: '/api/auth/logout',
        tags,
        summary: 'Sign out: the session is revoked at once and the cookie cleared',
        responses: { 200: jsonContent(z.object({ message: z.string() }), 'Signed out'), 401: unauthorized, 403: forbidden },
      }),
      async (c) => {
        await c.var.services.accounts.logout(c.var.caller);
        deleteCookie(c, sessionCookieName, { path: '/' });
        return c.json({ message: 'Logged out' }, 200);
      },
    )
    .openapi(
      protectedRoute({
        method: 'get',
        path: '/api/auth/me',
        tags,
        summary: 'The caller and how it authenticated',
        description: '`auth` is `none` for the local user (AUTH_REQUIRED=false and no credential).',
        responses: { 200: jsonContent(meResponse, 'The caller'), 401: unauthorized },
      }),
      async (c) => {
        const { caller } = c.var;
        const user = await c.var.services.accounts.user(caller);
        return c.json({ user: toUser(user), auth: caller.method }, 200);
      },
    );
}
