/**
 * A fast fake upstream for benchmarks: Ollama's /api/chat (NDJSON stream or JSON) and OpenAI's
 * /v1/chat/completions (SSE or JSON), with the bytes of each answer built once at start so the fake
 * costs little CPU per request. Env: BENCH_TOKENS (default 20), BENCH_TOKEN_DELAY_MS (default 0),
 * BENCH_FIRST_TOKEN_DELAY_MS (default 0), BENCH_UPSTREAM_KEEPALIVE_MS (how long it keeps an idle
 * connection, default 100000), PORT (default 0). Prints its URL, then serves on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const tokenCount = Number(process.env['BENCH_TOKENS'] ?? '20');
const tokenDelayMs = Number(process.env['BENCH_TOKEN_DELAY_MS'] ?? '0');
const firstTokenDelayMs = Number(process.env['BENCH_FIRST_TOKEN_DELAY_MS'] ?? '0');
const tokens = Array.from({ length: tokenCount }, (_, index) => `word${String(index)} `);
const created = '2026-11-23T10:00:00.000000000Z';

const ollamaLines = [
  ...tokens.map(
    (token) =>
      `{"model":"llama3.2","created_at":"${created}","message":{"role":"assistant","content":"${token}"},"done":false}\n`,
  ),
  `{"model":"llama3.2","created_at":"${created}","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":1000000,"load_duration":1000,"prompt_eval_count":12,"prompt_eval_duration":1000,"eval_count":${String(tokenCount)},"eval_duration":1000}\n`,
].map((line) => Buffer.from(line));
const ollamaJson = Buffer.from(
  `{"model":"llama3.2","created_at":"${created}","message":{"role":"assistant","content":"${tokens.join('')}"},"done_reason":"stop","done":true,"prompt_eval_count":12,"eval_count":${String(tokenCount)}}`,
);
const chunk = (delta: string, finish: string | null) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763892000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${delta},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
const openAiEvents = [
  chunk('{"role":"assistant","content":""}', null),
  ...tokens.map((token) => chunk(`{"content":"${token}"}`, null)),
  chunk('{}', 'stop'),
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763892000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":${String(tokenCount)},"total_tokens":${String(12 + tokenCount)}}}\n\n`,
  'data: [DONE]\n\n',
].map((event) => Buffer.from(event));
const openAiJson = Buffer.from(
  `{"id":"chatcmpl-bench","object":"chat.completion","created":1763892000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"${tokens.join('')}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":${String(tokenCount)},"total_tokens":${String(12 + tokenCount)}}}`,
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeAll(response: ServerResponse, parts: Buffer[], contentType: string): Promise<void> {
  response.writeHead(200, { 'content-type': contentType });
  if (firstTokenDelayMs > 0) {
    response.flushHeaders();
    await sleep(firstTokenDelayMs);
  }
  if (tokenDelayMs === 0) {
    response.end(Buffer.concat(parts));
    return;
  }
  for (const part of parts) {
    if (response.destroyed) return;
    response.write(part);
    await sleep(tokenDelayMs);
  }
  response.end();
}

function wantsStream(body: string, defaultValue: boolean): boolean {
  if (body.includes('"stream":true')) return true;
  if (body.includes('"stream":false')) return false;
  return defaultValue;
}

const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (data: string) => (body += data));
  request.on('end', () => {
    const path = request.url ?? '/';
    if (path === '/api/chat') {
      if (wantsStream(body, true)) void writeAll(response, ollamaLines, 'application/x-ndjson');
      else response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(ollamaJson);
    } else if (path === '/v1/chat/completions') {
      if (wantsStream(body, false)) void writeAll(response, openAiEvents, 'text/event-stream');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(openAiJson);
    } else if (path === '/api/version') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.12.6"}');
    } else if (path === '/api/tags') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"models":[{"name":"llama3.2:latest","size":1}]}');
    } else {
      response.writeHead(404).end('404 page not found');
    }
  });
});
const keepAliveMs = Number(process.env['BENCH_UPSTREAM_KEEPALIVE_MS'] ?? '100000');
server.keepAliveTimeout = keepAliveMs;
server.headersTimeout = Math.max(60_000, keepAliveMs + 1_000);
server.listen(Number(process.env['PORT'] ?? '0'), '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
