/**
 * The Worker build (scripts/build-worker.mjs, esbuild) and the workerd test project (vitest.config.ts,
 * Vite) make the AI SDK providers stream on src/streaming/javascript-web-streams.ts instead of
 * workerd's C++ streams, which cost more per token than everything else in a streamed answer
 * (measured: that module's comment, README "Performance").
 *
 * The providers' module graph gets them, nothing else:
 * - the provider packages as src/providers/ imports them, and the modules they build their streams
 *   with (`@ai-sdk/provider-utils`, `eventsource-parser/stream`), each as an instance of its own,
 *   marked with the `?provider-streams` suffix: the same packages imported from anywhere else (the
 *   `ai` package, or a test's AI SDK client) stay as they are, on workerd's streams, because a
 *   stream only pipes into one of its own implementation;
 * - the two guards that hand the providers their response bodies, which the providers pipe through
 *   their own TransformStreams.
 * Each such module gets one import on its first line (so the lines of its source map still match),
 * which shadows the global ReadableStream, WritableStream, TransformStream and TextDecoderStream in
 * that module only. The requests and responses the Worker itself makes and answers keep workerd's
 * streams, the only ones a Response takes. What the providers return (their stream of parts) is read
 * by src/services/generation-attempt.ts alone, through its reader.
 *
 * The esbuild build fails when one of these modules was not bundled with the JavaScript streams, so a
 * renamed guard or a package that moved its streams cannot drop the replacement unnoticed;
 * test/workers/provider-streams.test.ts checks in workerd that a provider call makes none of
 * workerd's streams but the upstream response's.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const streamsModule = fileURLToPath(new URL('../src/streaming/javascript-web-streams.ts', import.meta.url));
const names = ['ReadableStream', 'WritableStream', 'TransformStream', 'TextDecoderStream'];
const importLine = `import { ${names.join(', ')} } from ${JSON.stringify(streamsModule)}; `;

/** The suffix of the providers' own instances of the shared modules. */
export const providerCopySuffix = '?provider-streams';

/** Our two guards: they always get the JavaScript streams. */
export const guardFiles = [
  { name: 'src/providers/ollama-stream-guard.ts', pattern: /[\\/]src[\\/]providers[\\/]ollama-stream-guard\.ts$/ },
  { name: 'src/providers/event-stream-guard.ts', pattern: /[\\/]src[\\/]providers[\\/]event-stream-guard\.ts$/ },
];

/** What the providers import as instances of their own: the provider packages and what they build streams with. */
export const providerModules = [
  'ollama-ai-provider-v2',
  '@ai-sdk/openai',
  '@ai-sdk/anthropic',
  '@ai-sdk/openai-compatible',
  '@ai-sdk/provider-utils',
  'eventsource-parser/stream',
];

/**
 * The JavaScript streams themselves: the polyfill queues a microtask with the global queueMicrotask
 * when there is one (per chunk of a tee, which OpenAI's and Anthropic's providers put every answer
 * through, and of an async iteration), else through a resolved promise. In workerd queueMicrotask is
 * a call into the runtime, ~5 µs against ~0.5 µs for a promise's `then` (2,000 calls per request,
 * wrangler dev, CPU from /proc), so the polyfill is given none and takes its own promise path: the
 * same microtask queue.
 */
const polyfillFile = /[\\/]node_modules[\\/]web-streams-polyfill[\\/]dist[\\/]ponyfill\.m?js$/;
const withoutQueueMicrotask = 'const queueMicrotask = undefined; ';

/** src/providers/ modules: their imports of the provider packages go to the providers' instances. */
const providerSources = /[\\/]src[\\/]providers[\\/][^\\/?]+\.ts$/;

const withoutQuery = (path) => path.split('?')[0] ?? path;

/** The guard this module is, or undefined. */
export function guardFile(path) {
  const file = withoutQuery(path);
  return guardFiles.find((guard) => guard.pattern.test(file));
}

/** Whether this module (a path, with its suffix when it has one) runs on the JavaScript streams. */
export function usesJavaScriptStreams(path, suffix = '') {
  return guardFile(path) !== undefined || suffix === providerCopySuffix || path.endsWith(providerCopySuffix);
}

/** Whether an import from `importer` (its path, and its suffix when it has one) of `specifier` is to the providers' instance. */
export function importsProviderCopy(specifier, importer, importerSuffix = '') {
  if (!providerModules.includes(specifier)) return false;
  return providerSources.test(withoutQuery(importer)) || usesJavaScriptStreams(importer, importerSuffix);
}

/** The module's source with the JavaScript streams imported. */
export function withJavaScriptStreams(source) {
  return importLine + source;
}

/** For esbuild (the Worker build): fails the build when a group had no module in the bundle. */
export const workerStreamsEsbuildPlugin = {
  name: 'worker-streams',
  setup(build) {
    const seen = new Set();
    build.onStart(() => {
      seen.clear();
    });
    const specifiers = new RegExp(`^(${providerModules.map((name) => name.replaceAll('/', '\\/')).join('|')})$`);
    build.onResolve({ filter: specifiers }, async (args) => {
      if (args.pluginData?.resolvingCopy === true) return undefined;
      if (!importsProviderCopy(args.path, args.importer, args.pluginData?.suffix)) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { resolvingCopy: true },
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      seen.add(args.path);
      return { path: resolved.path, suffix: providerCopySuffix, pluginData: { suffix: providerCopySuffix } };
    });
    build.onLoad({ filter: polyfillFile }, async (args) => {
      seen.add('web-streams-polyfill');
      return { contents: withoutQueueMicrotask + (await readFile(args.path, 'utf8')), loader: 'js' };
    });
    build.onLoad({ filter: /\.(m?js|ts)$/ }, async (args) => {
      if (!usesJavaScriptStreams(args.path, args.suffix)) return undefined;
      const guard = guardFile(args.path);
      if (guard !== undefined) seen.add(guard.name);
      return {
        contents: withJavaScriptStreams(await readFile(args.path, 'utf8')),
        loader: args.path.endsWith('.ts') ? 'ts' : 'js',
        // Its imports of the provider modules go to the providers' instances too.
        pluginData: { suffix: providerCopySuffix },
      };
    });
    build.onEnd((result) => {
      if (result.errors.length > 0) return undefined;
      const expected = [...providerModules, ...guardFiles.map((guard) => guard.name), 'web-streams-polyfill'];
      const missing = expected.filter((name) => !seen.has(name));
      if (missing.length === 0) return undefined;
      return {
        errors: [
          {
            text: `worker-streams: ${missing.join(', ')} did not get the JavaScript streams; see scripts/worker-streams-plugin.mjs`,
          },
        ],
      };
    });
  },
};

/** For Vite (the workerd test project), before TypeScript is stripped. */
export const workerStreamsVitePlugin = {
  name: 'worker-streams',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (importer === undefined || !importsProviderCopy(source, importer)) return null;
    const resolved = await this.resolve(source, withoutQuery(importer), { ...options, skipSelf: true });
    return resolved === null ? null : { ...resolved, id: `${withoutQuery(resolved.id)}${providerCopySuffix}` };
  },
  async load(id) {
    return id.endsWith(providerCopySuffix) ? await readFile(withoutQuery(id), 'utf8') : null;
  },
  transform(code, id) {
    if (polyfillFile.test(withoutQuery(id))) return { code: withoutQueueMicrotask + code, map: null };
    return usesJavaScriptStreams(id) ? { code: withJavaScriptStreams(code), map: null } : null;
  },
};
