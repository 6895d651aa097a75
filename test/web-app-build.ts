/**
 * Runs before the Node tests: rebuilds the web app (web/dist) when a source of it is newer than the
 * build, so the browser tests never test an old app (`npm ci` and `npm start` build it too).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const web = fileURLToPath(new URL('../web/', import.meta.url));

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
  await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
}
