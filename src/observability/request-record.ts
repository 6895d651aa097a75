import type { GenerationSettled } from '../services/generation-events.ts';

/**
 * What the access log learns about one request beyond its status: the generation it ran, and, for a
 * stream that outlives its response, the settlement to wait for before writing the line.
 */
export interface RequestRecord {
  generation: GenerationSettled | undefined;
  settling: Promise<unknown> | undefined;
}

export const newRequestRecord = (): RequestRecord => ({ generation: undefined, settling: undefined });
