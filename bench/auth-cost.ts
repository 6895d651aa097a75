/**
 * What authentication costs (issue: identity and access): the CPU of one login (PBKDF2-SHA256 at
 * 100,000 iterations) and of a request carrying an API key, a session token or the admin key, against
 * the same request without a credential, on Node (as `npm start` runs it) and on workerd (`wrangler
 * dev`). One server per runtime with AUTH_REQUIRED=false, so the same route serves every credential and
 * only the credential differs; targets are measured in interleaved rounds. `npm run bench:auth` runs it
 * alone; `npm run bench` runs it after the scale cases.
 */
import { jsonLoad } from './load.ts';
import { cpuMilliseconds, startGateway, startScript } from './processes.ts';
import { round } from './statistics.ts';
import { startWorker } from './worker-process.ts';

const adminKey = 'bench-admin-key-0123456789abcdefghijklmnop';
const logins = 20;
const seconds = Number(process.env['BENCH_SECONDS'] ?? '2');
const rounds = 3;

interface Server {
  label: string;
  url: string;
  cpu(): Promise<number>;
}

interface Credentials {
  none: Record<string, string>;
  apiKey: Record<string, string>;
  session: Record<string, string>;
  adminKey: Record<string, string>;
}

const json = { 'content-type': 'application/json' };

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
  const payload = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url}: ${String(response.status)} ${JSON.stringify(payload)}`);
  return payload;
}

/** Registers a user, measures the server's CPU over `logins` logins (ms each), and returns the credentials. */
async function loginCost(server: Server): Promise<{ loginMs: number; unknownEmailMs: number; credentials: Credentials }> {
  const account = { email: 'bench@example.com', password: 'bench password 123' };
  await postJson(`${server.url}/api/auth/register`, account);
  let session = '';
  const before = await server.cpu();
  for (let index = 0; index < logins; index += 1)
    session = String((await postJson(`${server.url}/api/auth/login`, account))['token']);
  const loginMs = ((await server.cpu()) - before) / logins;
  const unknownBefore = await server.cpu();
  for (let index = 0; index < logins; index += 1) {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'nobody@example.com', password: account.password }),
    });
    await response.body?.cancel();
  }
  const unknownEmailMs = ((await server.cpu()) - unknownBefore) / logins;
  const key = String(
    (await postJson(`${server.url}/api/keys`, { name: 'bench' }, { authorization: `Bearer ${adminKey}` }))['key'],
  );
  return {
    loginMs,
    unknownEmailMs,
    credentials: {
      none: {},
      apiKey: { authorization: `Bearer ${key}` },
      session: { authorization: `Bearer ${session}` },
      adminKey: { authorization: `Bearer ${adminKey}` },
    },
  };
}

type Row = Record<keyof Credentials, { cpuMs: number; requests: number; p50: number[] }>;

/** CPU per request and p50 of POST /api/generate per credential, interleaved rounds, at `concurrency`. */
async function requestCost(server: Server, credentials: Credentials, concurrency: number): Promise<Row> {
  const names = Object.keys(credentials) as (keyof Credentials)[];
  const row = Object.fromEntries(names.map((name) => [name, { cpuMs: 0, requests: 0, p50: [] as number[] }])) as Row;
  for (let index = 0; index < rounds; index += 1) {
    for (const name of index % 2 === 0 ? names : [...names].reverse()) {
      const before = await server.cpu();
      const result = await jsonLoad(
        { url: `${server.url}/api/generate`, body: { prompt: 'Hi' }, headers: credentials[name] },
        concurrency,
        seconds,
      );
      row[name].cpuMs += (await server.cpu()) - before;
      row[name].requests += result.requests;
      row[name].p50.push(result.p50);
    }
  }
  return row;
}

const perRequest = (entry: { cpuMs: number; requests: number }) => entry.cpuMs / Math.max(1, entry.requests);
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

function section(results: { label: string; loginMs: number; unknownEmailMs: number; rows: Map<number, Row> }[]): string {
  const lines = [
    '## Authentication cost',
    '',
    `One login = register once, then ${String(logins)} logins (PBKDF2-SHA256, 100,000 iterations); an unknown email checks a dummy hash. Requests: POST /api/generate (fake upstream, 20 tokens), ${String(rounds)} interleaved rounds of ${String(seconds)} s per credential; the server runs with AUTH_REQUIRED=false so every credential reaches the same route. CPU is the serving process's (workerd's under wrangler dev) per request.`,
    '',
    '| runtime | CPU per login | per unknown-email login |',
    '|---|---|---|',
    ...results.map(
      (result) => `| ${result.label} | ${String(round(result.loginMs))} ms | ${String(round(result.unknownEmailMs))} ms |`,
    ),
    '',
    '| runtime, concurrency | no credential | API key | session token | admin key | API key − none |',
    '|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    for (const [concurrency, row] of result.rows) {
      const cell = (name: keyof Credentials) =>
        `${String(round(perRequest(row[name]), 3))} ms CPU, p50 ${String(round(mean(row[name].p50), 2))} ms`;
      const added = perRequest(row.apiKey) - perRequest(row.none);
      lines.push(
        `| ${result.label}, ${String(concurrency)} | ${cell('none')} | ${cell('apiKey')} | ${cell('session')} | ${cell('adminKey')} | ${String(round(added, 3))} ms CPU |`,
      );
    }
  }
  lines.push('', 'Command: `npm run bench:auth` (also part of `npm run bench`).', '');
  return lines.join('\n');
}

export async function runAuthCost(): Promise<string> {
  const upstream = await startScript('bench/upstream-server.ts');
  const upstreamUrl = upstream.firstLine.trim();
  const vars = { ADMIN_API_KEY: adminKey, AUTH_ALLOW_REGISTRATION: 'true', AUTH_REQUIRED: 'false' };
  const results: { label: string; loginMs: number; unknownEmailMs: number; rows: Map<number, Row> }[] = [];
  try {
    const node = await startGateway('node', 18797, upstreamUrl, vars);
    try {
      const server = { label: 'Node', url: node.url, cpu: () => cpuMilliseconds(node.child.pid ?? 0) };
      const { loginMs, unknownEmailMs, credentials } = await loginCost(server);
      const rows = new Map<number, Row>();
      for (const concurrency of [1, 16]) rows.set(concurrency, await requestCost(server, credentials, concurrency));
      results.push({ label: 'Node', loginMs, unknownEmailMs, rows });
    } finally {
      await node.stop();
    }
    const worker = await startWorker(18798, { ...vars, OLLAMA_BASE_URL: upstreamUrl, LOG_LEVEL: 'warn' }).catch(
      (error: unknown) => {
        console.error(`workerd not measured: ${String(error)}`);
        return undefined;
      },
    );
    if (worker) {
      try {
        const server = { label: 'workerd', url: worker.url, cpu: () => worker.cpuMilliseconds() };
        const { loginMs, unknownEmailMs, credentials } = await loginCost(server);
        // wrangler dev serves one request at a time well; concurrency 1 only.
        results.push({
          label: 'workerd',
          loginMs,
          unknownEmailMs,
          rows: new Map([[1, await requestCost(server, credentials, 1)]]),
        });
      } finally {
        await worker.stop();
      }
    }
  } finally {
    await upstream.stop();
  }
  return section(results);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(await runAuthCost());
