/**
 * A fast fake upstream for benchmarks: Ollama's /api/chat (NDJSON stream or JSON), OpenAI's
 * /v1/chat/completions (SSE or JSON) and Anthropic's /v1/messages (SSE or JSON), with the bytes of
 * each answer built once (per length) so the fake costs little CPU per request. The answer has
 * BENCH_TOKENS tokens, or N when the model's name ends in `-N-tokens` (`bench-500-tokens`), so one
 * upstream serves short and long answers. Env: BENCH_TOKENS (default 20), BENCH_TOKEN_DELAY_MS
 * (default 0), BENCH_FIRST_TOKEN_DELAY_MS (default 0), BENCH_UPSTREAM_KEEPALIVE_MS (how long it keeps
 * an idle connection, default 100000), PORT (default 0). Prints its URL, then serves on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const defaultTokenCount = Number(process.env['BENCH_TOKENS'] ?? '20');
const tokenDelayMs = Number(process.env['BENCH_TOKEN_DELAY_MS'] ?? '0');
const firstTokenDelayMs = Number(process.env['BENCH_FIRST_TOKEN_DELAY_MS'] ?? '0');
const created = '2026-11-23T10:00:00.000000000Z';

interface Answers {
  ollamaLines: Buffer[];
  ollamaJson: Buffer;
  openAiEvents: Buffer[];
  openAiJson: Buffer;
  anthropicEvents: Buffer[];
  anthropicJson: Buffer;
}

/** Every protocol's answer of `tokenCount` tokens (`word0 word1 …`), framed as that vendor's server frames it. */
function buildAnswers(tokenCount: number): Answers {
  const tokens = Array.from({ length: tokenCount }, (_, index) => `word${String(index)} `);
  const text = tokens.join('');
  const chunk = (delta: string, finish: string | null) =>
    `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763892000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${delta},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
  const anthropicEvent = (type: string, data: string) => `event: ${type}\ndata: {"type":"${type}"${data}}\n\n`;
  const buffers = (parts: string[]) => parts.map((part) => Buffer.from(part));
  return {
    ollamaLines: buffers([
      ...tokens.map(
        (token) =>
          `{"model":"llama3.2","created_at":"${created}","message":{"role":"assistant","content":"${token}"},"done":false}\n`,
      ),
      `{"model":"llama3.2","created_at":"${created}","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":1000000,"load_duration":1000,"prompt_eval_count":12,"prompt_eval_duration":1000,"eval_count":${String(tokenCount)},"eval_duration":1000}\n`,
    ]),
    ollamaJson: Buffer.from(
      `{"model":"llama3.2","created_at":"${created}","message":{"role":"assistant","content":"${text}"},"done_reason":"stop","done":true,"prompt_eval_count":12,"eval_count":${String(tokenCount)}}`,
    ),
    openAiEvents: buffers([
      chunk('{"role":"assistant","content":""}', null),
      ...tokens.map((token) => chunk(`{"content":"${token}"}`, null)),
      chunk('{}', 'stop'),
      `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763892000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":${String(tokenCount)},"total_tokens":${String(12 + tokenCount)}}}\n\n`,
      'data: [DONE]\n\n',
    ]),
    openAiJson: Buffer.from(
      `{"id":"chatcmpl-bench","object":"chat.completion","created":1763892000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"${text}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":${String(tokenCount)},"total_tokens":${String(12 + tokenCount)}}}`,
    ),
    // Anthropic's Messages streaming events, in the order its documentation shows them.
    anthropicEvents: buffers([
      anthropicEvent(
        'message_start',
        ',"message":{"id":"msg_bench","type":"message","role":"assistant","content":[],"model":"claude-haiku-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}',
      ),
      anthropicEvent('content_block_start', ',"index":0,"content_block":{"type":"text","text":""}'),
      anthropicEvent('ping', ''),
      ...tokens.map((token) =>
        anthropicEvent('content_block_delta', `,"index":0,"delta":{"type":"text_delta","text":"${token}"}`),
      ),
      anthropicEvent('content_block_stop', ',"index":0'),
      anthropicEvent(
        'message_delta',
        `,"delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${String(tokenCount)}}`,
      ),
      anthropicEvent('message_stop', ''),
    ]),
    anthropicJson: Buffer.from(
      `{"id":"msg_bench","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"${text}"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":${String(tokenCount)}}}`,
    ),
  };
}

const answersByLength = new Map<number, Answers>();
/** The answers for the length the request's model name asks for (`…-500-tokens`), built on first use. */
function answersFor(body: string): Answers {
  const asked = /"model":"[^"]*?-(\d+)-tokens"/.exec(body);
  const tokenCount = asked ? Math.min(100_000, Number(asked[1])) : defaultTokenCount;
  let answers = answersByLength.get(tokenCount);
  if (!answers) {
    answers = buildAnswers(tokenCount);
    answersByLength.set(tokenCount, answers);
  }
  return answers;
}
answersFor('');

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
      const answers = answersFor(body);
      if (wantsStream(body, true)) void writeAll(response, answers.ollamaLines, 'application/x-ndjson');
      else response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(answers.ollamaJson);
    } else if (path === '/v1/chat/completions') {
      const answers = answersFor(body);
      if (wantsStream(body, false)) void writeAll(response, answers.openAiEvents, 'text/event-stream');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(answers.openAiJson);
    } else if (path === '/v1/messages') {
      const answers = answersFor(body);
      if (wantsStream(body, false)) void writeAll(response, answers.anthropicEvents, 'text/event-stream; charset=utf-8');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(answers.anthropicJson);
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
