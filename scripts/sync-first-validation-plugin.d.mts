import type { Plugin } from 'esbuild';

/** The file with provider-utils' per-chunk safeParseAsync call replaced, or unchanged when it has none. */
export function replaceZodValidation(source: string, path: string): string;

export const syncFirstValidationPlugin: Plugin;
