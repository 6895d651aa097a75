/**
 * `edge-llm compare "prompt" --models a,b,c`: every model answers at once, each through
 * POST /api/chat/stream in a conversation of its own, timed as the client sees it (time to the first
 * token, total; the conversation is made just before). Tokens come from the done event; the cost is the `cost_usd` the server stored with
 * the answer (MODEL_PRICES; `—` when the model has no price). The conversations are deleted
 * afterwards unless --keep (the usage ledger keeps the calls either way).
 */
import type { Command } from 'commander';
import { ApiError, type ApiClient } from '../client/api-client.ts';
import { answerCost, runChatTurn, type ChatTurnRequest } from './chat-turn.ts';
import { CliFailure, type CliContext } from './cli-context.ts';
import { integerIn, nameList, numberIn, parametersOf, type ParameterOptions } from './cli-options.ts';
import { formatCost, formatCount, formatDuration, formatTable, preview, writeJson } from './output.ts';

interface CompareOptions extends ParameterOptions {
  models: string[];
  system?: string;
  keep?: boolean;
}

export interface Comparison {
  model: string;
  /** The model that answered (an alias names its chain's model). */
  answered_by: string | null;
  time_to_first_token_ms: number | null;
  total_ms: number;
  usage: { input_tokens: number | null; output_tokens: number | null } | null;
  cost_usd: number | null;
  answer: string;
  error: string | null;
  conversation_id: string | null;
}

async function compareOne(
  client: ApiClient,
  request: Omit<ChatTurnRequest, 'model'>,
  model: string,
  keep: boolean,
  now: () => number,
): Promise<Comparison> {
  const started = now();
  let conversationId: string | undefined;
  try {
    // Made first, so that a model that fails before its stream starts leaves no conversation behind.
    const created = await client.post<{ id: string }>('/api/history', {
      title: preview(`compare ${model}: ${request.message}`, 60),
    });
    conversationId = created.id;
    const turn = await runChatTurn(client, { ...request, model, conversation_id: conversationId }, { now });
    const done = turn.done;
    const cost = done ? await answerCost(client, created.id, done.message_id) : null;
    return {
      model,
      answered_by: done?.model ?? null,
      time_to_first_token_ms: turn.firstTokenMs === undefined ? null : Math.round(turn.firstTokenMs),
      total_ms: Math.round(turn.totalMs),
      usage: done?.usage ?? null,
      cost_usd: cost,
      answer: turn.text,
      error: null,
      conversation_id: keep ? created.id : null,
    };
  } catch (error) {
    if (!ApiError.isInstance(error)) throw error;
    return {
      model,
      answered_by: null,
      time_to_first_token_ms: null,
      total_ms: Math.round(now() - started),
      usage: null,
      cost_usd: null,
      answer: '',
      error: `${error.code}: ${error.message}`,
      conversation_id: keep ? (conversationId ?? null) : null,
    };
  } finally {
    if (!keep && conversationId !== undefined)
      await client.delete(`/api/history/${encodeURIComponent(conversationId)}`).catch(() => undefined);
  }
}

export function registerCompare(program: Command, context: CliContext): void {
  program
    .command('compare <prompt>')
    .description('ask several models at once and compare time to first token, total time, tokens, cost and answers')
    .requiredOption('--models <list>', 'the models, comma-separated (provider/model or aliases)', nameList)
    .option('-s, --system <text>', 'system prompt')
    .option('-t, --temperature <t>', 'temperature, 0 to 2', numberIn(0, 2))
    .option('--max-tokens <n>', 'most output tokens', integerIn(1, 1_000_000))
    .option('--keep', 'keep the conversations in history (deleted by default)')
    .action(async (prompt: string, options: CompareOptions, command: Command) => {
      const { json } = context.globals(command);
      const client = context.client(command);
      const request = { message: prompt, system: options.system, parameters: parametersOf(options) };
      const results = await Promise.all(
        options.models.map((model) => compareOne(client, request, model, options.keep === true, context.now)),
      );
      if (json) writeJson(context.io.stdout, { prompt, results });
      else {
        const colors = context.colors.stdout;
        context.io.stdout.write(
          formatTable<Comparison>(
            [
              {
                header: 'model',
                value: (row) =>
                  row.answered_by && row.answered_by !== row.model ? `${row.model} → ${row.answered_by}` : row.model,
              },
              { header: 'first token', value: (row) => formatDuration(row.time_to_first_token_ms ?? undefined), align: 'right' },
              { header: 'total', value: (row) => formatDuration(row.total_ms), align: 'right' },
              {
                header: 'tokens in/out',
                value: (row) =>
                  row.usage ? `${formatCount(row.usage.input_tokens)}/${formatCount(row.usage.output_tokens)}` : '—',
                align: 'right',
              },
              { header: 'cost', value: (row) => formatCost(row.cost_usd), align: 'right' },
              {
                header: 'answer',
                value: (row) => (row.error === null ? preview(row.answer) : colors.red(preview(row.error, 60))),
              },
            ],
            results,
            colors,
          ),
        );
      }
      const failed = results.filter((result) => result.error !== null);
      if (failed.length > 0)
        throw new CliFailure(
          `${String(failed.length)} of ${String(results.length)} models failed: ${failed.map((result) => result.model).join(', ')}`,
        );
    });
}
