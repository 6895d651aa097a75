/**
 * The container files against what they claim (no Docker engine runs here): the Dockerfile's build
 * steps are README § "Container"'s, its command is `npm run serve`'s, and its image holds what the
 * server reads at run time (sources, migrations, web app, production dependencies only).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { parseConfig } from '../src/config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFile(join(root, path), 'utf8');

/** Dockerfile instructions with their continuation lines joined, comments left out. */
async function instructions(): Promise<{ keyword: string; value: string }[]> {
  const text = (await read('Dockerfile')).replace(/\\\n\s*/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), value: rest.join(' ') };
    });
}

/** The README's "Container" section and the commands of its second shell block (the steps without Docker). */
async function readmeSteps(): Promise<{ section: string; steps: string[] }> {
  const readme = await read('README.md');
  const section = /^## Container\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const steps = (blocks[1] ?? '')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
  return { section, steps };
}

const lastStage = (all: { keyword: string; value: string }[]) =>
  all.slice(all.findLastIndex((entry) => entry.keyword === 'FROM'));

describe('Dockerfile and compose.yaml', () => {
  it("runs the README's steps, in order, and starts the server with npm run serve's command", async () => {
    const all = await instructions();
    const { steps } = await readmeSteps();
    const run = all.filter((entry) => entry.keyword === 'RUN' && entry.value.startsWith('npm ')).map((entry) => entry.value);
    const command = JSON.parse(all.findLast((entry) => entry.keyword === 'CMD')?.value ?? '[]') as string[];
    expect(steps).toEqual([...run, command.join(' ')]);
    expect(command.join(' ')).toBe(packageJson.scripts.serve);
  });

  it('is multi-stage, runs as an unprivileged user, keeps ./data in a volume and checks /health/live', async () => {
    const all = await instructions();
    const config = parseConfig({});
    expect(all.filter((entry) => entry.keyword === 'FROM').length).toBeGreaterThanOrEqual(2);
    const image = lastStage(all);
    const user = image.findLast((entry) => entry.keyword === 'USER')?.value;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(image.findIndex((entry) => entry.keyword === 'USER')).toBeLessThan(
      image.findIndex((entry) => entry.keyword === 'CMD'),
    );
    const workdir = image.find((entry) => entry.keyword === 'WORKDIR')?.value ?? '';
    expect(config.DATABASE_URL).toBe('file:./data/app.db');
    expect(JSON.parse(image.find((entry) => entry.keyword === 'VOLUME')?.value ?? '[]')).toContain(`${workdir}/data`);
    expect(image.find((entry) => entry.keyword === 'EXPOSE')?.value).toBe(String(config.PORT));
    const healthcheck = image.find((entry) => entry.keyword === 'HEALTHCHECK')?.value ?? '';
    expect(healthcheck).toContain('/health/live');
    expect(healthcheck).toContain(String(config.PORT));
  });

  it('puts into the image what the server reads at run time, and the web app built in an earlier stage', async () => {
    const image = lastStage(await instructions());
    const copied = image.filter((entry) => entry.keyword === 'COPY').map((entry) => entry.value);
    // The bundle dist/server/node.mjs reads ../../drizzle (src/entry/libsql-dependencies.ts) and ../../web/dist.
    expect(copied).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--from=\S+ \/app\/dist\/server \.\/dist\/server$/),
        'drizzle ./drizzle',
        'package.json ./',
        expect.stringMatching(/^--from=\S+ \/app\/web\/dist \.\/web\/dist$/),
        expect.stringMatching(/^--from=\S+ \/app\/node_modules \.\/node_modules$/),
      ]),
    );
    const dependencies = image
      .find((entry) => entry.value.includes('/app/node_modules'))
      ?.value.split(/\s+/)[0]
      ?.slice('--from='.length);
    const all = await instructions();
    const stageStart = all.findIndex((entry) => entry.keyword === 'FROM' && entry.value.endsWith(` AS ${dependencies ?? ''}`));
    expect(all.slice(stageStart).find((entry) => entry.keyword === 'RUN')?.value).toContain('npm ci --omit=dev');
    const ignored = (await read('.dockerignore')).split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'data', '.env', 'web/dist']));
  });

  it('needs only production dependencies at run time: every package the server imports is in "dependencies"', async () => {
    const files = (await readdir(join(root, 'src'), { recursive: true })).filter((file) => file.endsWith('.ts'));
    const imported = new Set<string>();
    for (const file of files) {
      const source = await read(join('src', file));
      for (const match of source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^'.][^']*)'/gms)) imported.add(match[1] ?? '');
    }
    const packageName = (specifier: string) =>
      specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');
    const outside = [...imported]
      .filter(
        (specifier) =>
          !specifier.startsWith('node:') && !specifier.startsWith('cloudflare:') && !builtinModules.includes(specifier),
      )
      .map(packageName)
      .filter((name) => !(name in packageJson.dependencies));
    expect(imported.size).toBeGreaterThan(10);
    expect([...new Set(outside)]).toEqual([]);
  });

  it('starts an Ollama beside the API in compose.yaml and points the API at it', async () => {
    const compose = await read('compose.yaml');
    expect(compose).toMatch(/^ {2}ollama:\n {4}image: ollama\/ollama$/m);
    expect(compose).toMatch(/^ {2}api:\n {4}build: \.$/m);
    expect(compose).toContain('OLLAMA_BASE_URL: ${OLLAMA_BASE_URL:-http://ollama:11434}');
    expect(compose).toMatch(/- api-data:\/app\/data$/m);
    expect(compose).toMatch(/- ['"]8787:8787['"]$/m);
  });
});
