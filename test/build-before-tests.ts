/**
 * Runs before the Node tests: rebuilds the web app (web/dist) when a source of it is newer than the
 * build, so the browser tests never test an old app, and the server bundle (dist/server, what
 * `npm run serve` runs) when a source under src/ is newer than it, for the tests that start the server as
 * `npm start` does (`npm ci` and `npm start` build both too), and the Worker bundle (dist/worker, what
 * wrangler.toml runs), for the tests that start the Worker as `wrangler dev` does.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = join(root, 'web');

async function newestSource(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestSource(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

const builtAt = (path: string) =>
  stat(path).then(
    (info) => info.mtimeMs,
    () => 0,
  );

async function buildServer(): Promise<void> {
  if ((await newestSource(join(root, 'src'))) <= (await builtAt(join(root, 'dist/server/node.mjs')))) return;
  await promisify(execFile)(process.execPath, [join(root, 'scripts/build-server.mjs')], { cwd: root });
}

/** Under a second; always built, since it depends on the provider packages as much as on src/. */
async function buildWorker(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(root, 'scripts/build-worker.mjs')], { cwd: root });
}

export default async function setup(): Promise<void> {
  await Promise.all([buildServer(), buildWorker()]);
  const built = await stat(join(web, 'dist/index.html')).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  const sources = await Promise.all(
    ['src', 'public', 'index.html', 'vite.config.ts'].map((name) => newestSource(join(web, name))),
  );
  if (Math.max(...sources) <= built) return;
  // `npm run build:web` in a process of its own: under vitest NODE_ENV is `test`, which Vite would follow
  // into a development build (React's development runtime, StrictMode's doubled effects).
  await promisify(execFile)(
    join(root, 'node_modules/.bin/vite'),
    ['build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'],
    {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
}
