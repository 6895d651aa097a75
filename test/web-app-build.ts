/**
 * Runs before the Node tests: rebuilds the web app (web/dist) when a source of it is newer than the
 * build, so the browser tests never test an old app (`npm ci` and `npm start` build it too).
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

export default async function setup(): Promise<void> {
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
