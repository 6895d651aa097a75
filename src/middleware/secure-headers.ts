import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * `hono/secure-headers` tuned for a JSON/SSE API that also serves its own web app: a Content-Security-Policy
 * that allows only this origin (the app loads no script, style, font or image from elsewhere; images may be
 * data: URLs the user attached), no framing, no referrer. Cross-Origin-Resource-Policy is `cross-origin`
 * when CORS_ORIGINS lets other sites read the API, else `same-origin`.
 */
export function secureHeadersFor(corsEnabled: boolean): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    // A route that sets its own policy keeps it (/docs, which loads its renderer from a CDN).
    overwrite: false,
    crossOriginResourcePolicy: corsEnabled ? 'cross-origin' : 'same-origin',
  });
}
