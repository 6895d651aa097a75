/**
 * Zod validation that runs synchronously unless the schema needs otherwise: what the Node bundle
 * (scripts/sync-first-validation-plugin.mjs) gives `@ai-sdk/provider-utils` in place of its
 * `safeParseAsync(zodSchema, value)`, the check of every streamed chunk of every provider.
 *
 * `safeParseAsync` parses with `{ async: true }`, and zod 4 then skips the compiled fast path of
 * its objects (`$ZodObjectJIT` takes it only when `ctx.async === false`) and wraps each step in
 * promises: 1.6 µs against 0.5 µs for an OpenAI chunk alone, about a fifth of `/v1` → OpenAI's CPU
 * per token. A synchronous parse gives the same result; a schema with an async check or transform
 * makes `safeParse` throw `$ZodAsyncError` when it reaches that step, and is then parsed again
 * asynchronously, as before (zod's own Standard Schema `validate` does the same). The checks ahead of
 * that step then run twice, which is harmless for the providers' chunk schemas: none has side effects.
 */
import { safeParse, safeParseAsync, type ZodSafeParseResult } from 'zod/v4';
import { $ZodAsyncError, type $ZodType } from 'zod/v4/core';

export function safeParseSyncFirst<Output>(
  schema: $ZodType<Output>,
  value: unknown,
): ZodSafeParseResult<Output> | Promise<ZodSafeParseResult<Output>> {
  try {
    return safeParse(schema, value);
  } catch (error) {
    if (error instanceof $ZodAsyncError) return safeParseAsync(schema, value);
    throw error;
  }
}
