/**
 * `edge-llm query "prompt"`: one question, the answer streamed to stdout. It goes through the chat
 * routes, so the exchange is kept in history (`edge-llm history list`) and its stored `cost_usd` is
 * the cost `--stats` and `--json` report.
 */
import type { Command } from 'commander';
import type { ChatAnswer } from '../client/api-types.ts';
import { answerCost, requestBody, runChatTurn } from './chat-turn.ts';
import { CliFailure, type CliContext } from './cli-context.ts';
import { integerIn, numberIn, parametersOf, type ParameterOptions } from './cli-options.ts';
import { formatCost, formatCount, formatDuration, writeJson } from './output.ts';

interface QueryOptions extends ParameterOptions {
  model?: string;
  system?: string;
  stream: boolean;
  stats?: boolean;
}

export interface AnswerReport {
  conversation_id: string;
  message_id: string;
  model: string;
  response: string;
  finish_reason: string | null;
  usage: { input_tokens: number | null; output_tokens: number | null };
  time_to_first_token_ms: number | null;
  total_ms: number;
  cost_usd: number | null;
}

export function statsLine(report: AnswerReport): string {
  const { input_tokens: input, output_tokens: output } = report.usage;
  return [
    report.model,
    `${formatCount(input)} in / ${formatCount(output)} out tokens`,
    `first token ${formatDuration(report.time_to_first_token_ms ?? undefined)}`,
    `total ${formatDuration(report.total_ms)}`,
    `cost ${formatCost(report.cost_usd)}`,
    `conversation ${report.conversation_id}`,
  ].join(' · ');
}

export function registerQuery(program: Command, context: CliContext): void {
  program
    .command('query <prompt>')
    .description('ask once and stream the answer to stdout ("-" reads the prompt from stdin); kept in history')
    .option('-m, --model <name>', 'provider/model or an alias (default: the server’s)')
    .option('-s, --system <text>', 'system prompt')
    .option('-t, --temperature <t>', 'temperature, 0 to 2', numberIn(0, 2))
    .option('--max-tokens <n>', 'most output tokens', integerIn(1, 1_000_000))
    .option('--no-stream', 'wait for the whole answer instead of streaming it')
    .option('--stats', 'model, tokens, time to first token, total time and cost on stderr')
    .action(async (promptArgument: string, options: QueryOptions, command: Command) => {
      const { json } = context.globals(command);
      const client = context.client(command);
      const prompt = promptArgument === '-' ? (await context.io.readStdin()).trim() : promptArgument;
      if (prompt === '') throw new CliFailure('the prompt is empty');
      const request = {
        message: prompt,
        model: options.model,
        system: options.system,
        parameters: parametersOf(options),
      };
      const stdout = context.io.stdout;
      let report: Omit<AnswerReport, 'cost_usd'>;
      if (options.stream) {
        let printed = false;
        const onToken = (token: string) => {
          printed = true;
          stdout.write(token);
        };
        const turn = await runChatTurn(client, request, { now: context.now, ...(json ? {} : { onToken }) }).catch(
          (error: unknown) => {
            // The error line goes to stderr: the text that streamed ends its own line first.
            if (printed) stdout.write('\n');
            throw error;
          },
        );
        const done = turn.done;
        if (done === undefined || turn.conversationId === undefined) throw new CliFailure('the answer was stopped');
        report = {
          conversation_id: turn.conversationId,
          message_id: done.message_id,
          model: done.model,
          response: turn.text,
          finish_reason: done.finish_reason,
          usage: done.usage,
          time_to_first_token_ms: turn.firstTokenMs === undefined ? null : Math.round(turn.firstTokenMs),
          total_ms: Math.round(turn.totalMs),
        };
      } else {
        const started = context.now();
        const answer = await client.post<ChatAnswer>('/api/chat', requestBody(request));
        if (!json) stdout.write(answer.response);
        report = {
          conversation_id: answer.conversation_id,
          message_id: answer.message_id,
          model: answer.model,
          response: answer.response,
          finish_reason: answer.finish_reason,
          usage: answer.usage,
          time_to_first_token_ms: null,
          total_ms: Math.round(context.now() - started),
        };
      }
      if (!json) stdout.write(report.response.endsWith('\n') ? '' : '\n');
      if (!json && options.stats !== true) return;
      const full: AnswerReport = { ...report, cost_usd: await answerCost(client, report.conversation_id, report.message_id) };
      if (json) writeJson(stdout, full);
      if (options.stats === true) context.io.stderr.write(`${context.colors.stderr.dim(statsLine(full))}\n`);
    });
}
