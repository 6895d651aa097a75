/** `edge-llm history list|show|delete`: stored conversations (GET and DELETE /api/history). */
import type { Command } from 'commander';
import type { CliContext, Colors } from './cli-context.ts';
import type { Conversation, ConversationList, StoredMessage } from '../client/api-types.ts';
import { integerIn } from './cli-options.ts';
import { formatCost, formatTable, formatTime, writeJson } from './output.ts';

/** A conversation's messages as a transcript: who, the model and status of answers, the text. */
export function formatTranscript(messages: StoredMessage[], colors: Colors): string {
  return messages
    .map((message) => {
      const who = message.role === 'user' ? colors.cyan('you') : colors.magenta(message.role);
      const notes = [
        message.model,
        message.status === 'complete' ? undefined : colors.yellow(message.status),
        message.cost_usd === undefined ? undefined : formatCost(message.cost_usd),
      ].filter((note) => note !== undefined);
      const head = `${who}${notes.length > 0 ? colors.dim(` (${notes.join(', ')})`) : ''}:`;
      return `${head} ${message.content}\n`;
    })
    .join('');
}

export function registerHistory(program: Command, context: CliContext): void {
  const history = program.command('history').description('list, show and delete stored conversations');

  history
    .command('list')
    .description('your conversations, the most recently updated first')
    .option('--limit <n>', 'how many (1-100)', integerIn(1, 100), 10)
    .option('--offset <n>', 'skip this many', integerIn(0, 1_000_000_000), 0)
    .action(async (options: { limit: number; offset: number }, command: Command) => {
      const list = await context.client(command).get<ConversationList>('/api/history', { query: { ...options } });
      if (context.globals(command).json) {
        writeJson(context.io.stdout, list);
        return;
      }
      const colors = context.colors.stdout;
      context.io.stdout.write(
        formatTable<ConversationList['conversations'][number]>(
          [
            { header: 'id', value: (row) => row.id },
            { header: 'title', value: (row) => row.title },
            { header: 'model', value: (row) => row.model ?? '' },
            { header: 'messages', value: (row) => String(row.message_count), align: 'right' },
            { header: 'updated', value: (row) => formatTime(row.updated_at) },
          ],
          list.conversations,
          colors,
        ),
      );
      const shown = list.conversations.length;
      context.io.stdout.write(colors.dim(`${String(shown)} of ${String(list.total)} (offset ${String(list.offset)})\n`));
    });

  history
    .command('show <id>')
    .description("a conversation's messages")
    .action(async (id: string, _options: unknown, command: Command) => {
      const conversation = await context.client(command).get<Conversation>(`/api/history/${encodeURIComponent(id)}`);
      if (context.globals(command).json) {
        writeJson(context.io.stdout, conversation);
        return;
      }
      const colors = context.colors.stdout;
      context.io.stdout.write(
        `${colors.bold(conversation.title)} ${colors.dim(`${conversation.id}, updated ${formatTime(conversation.updated_at)}`)}\n`,
      );
      context.io.stdout.write(formatTranscript(conversation.messages, colors));
    });

  history
    .command('delete <id>')
    .description('delete a conversation and its messages')
    .action(async (id: string, _options: unknown, command: Command) => {
      const answer = await context.client(command).delete<{ message: string }>(`/api/history/${encodeURIComponent(id)}`);
      if (context.globals(command).json) writeJson(context.io.stdout, { id, ...answer });
      else context.io.stdout.write(`${answer.message}: ${id}\n`);
    });
}
