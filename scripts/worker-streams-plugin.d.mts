import type { Plugin as EsbuildPlugin } from 'esbuild';
import type { Plugin as VitePlugin } from 'vite';

export interface GuardFile {
  name: string;
  pattern: RegExp;
}

/** The suffix of the providers' own instances of the provider modules. */
export const providerCopySuffix: string;

/** Our two guards: they always get the JavaScript streams. */
export const guardFiles: GuardFile[];

/** What the providers import as instances of their own: the provider packages and what they build streams with. */
export const providerModules: string[];

/** The guard this module is, or undefined. */
export function guardFile(path: string): GuardFile | undefined;

/** Whether this module (a path, with its suffix when it has one) runs on the JavaScript streams. */
export function usesJavaScriptStreams(path: string, suffix?: string): boolean;

/** Whether an import from `importer` (its path, and its suffix when it has one) of `specifier` is to the providers' instance. */
export function importsProviderCopy(specifier: string, importer: string, importerSuffix?: string): boolean;

/** The module's source with the JavaScript streams imported. */
export function withJavaScriptStreams(source: string): string;

export const workerStreamsEsbuildPlugin: EsbuildPlugin;

export const workerStreamsVitePlugin: VitePlugin;
