import type { Context } from 'hono';

/**
 * The address a request without a credential is counted by (API.md § Limits: "else the client
 * address"). `X-Forwarded-For`'s first entry only when TRUST_PROXY says a proxy in front sets it (a client
 * could write it itself otherwise); else what the runtime reports.
 */
export function clientAddressResolver(
  trustProxy: boolean,
  runtimeAddress: ((c: Context) => string | undefined) | undefined,
): (c: Context) => string | undefined {
  return (c) => {
    if (trustProxy) {
      const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
      if (forwarded !== undefined && forwarded !== '') return forwarded;
    }
    try {
      return runtimeAddress?.(c);
    } catch {
      return undefined;
    }
  };
}
