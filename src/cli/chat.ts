/**
 * `edge-llm chat`: a REPL whose answers stream from POST /api/chat/stream, with the conversation
 * stored on the server. Ctrl+C stops the answer being streamed (the request is aborted, and the
 * server keeps the partial answer as `aborted`) and the REPL goes on; Ctrl+C on an empty prompt,
 * Ctrl+D or /exit leaves. On a terminal Ctrl+C reaches readline as a key; elsewhere it is the SIGINT
 * signal, which the entry passes on.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ApiError } from '../client/api-client.ts';
import type { Conversation } from '../client/api-types.ts';
import { runChatTurn } from './chat-turn.ts';
import type { CliContext } from './cli-context.ts';
import { formatTranscript } from './history.ts';
import { describeFailure } from './failure.ts';
import { writeJson } from './output.ts';

interface ChatOptions {
  model?: string;
  conversation?: string;
  system?: string;
}

const help = [
  '/new          start a new conversation',
  '/model NAME   answer with this model from now on (/model alone: the current one)',
  '/history      this conversation so far, as stored on the server',
  '/exit         leave (so do Ctrl+D and Ctrl+C on an empty line)',
  'Ctrl+C while an answer streams stops it; the partial answer is kept as aborted.',
].join('\n');

export function registerChat(program: Command, context: CliContext): void {
  program
    .command('chat')
    .description('an interactive chat with streamed answers, stored as a conversation on the server')
    .option('-m, --model <name>', 'provider/model or an alias (default: the server’s)')
    .option('-c, --conversation <id>', 'continue this stored conversation')
    .option('-s, --system <text>', 'system prompt for every answer')
    .action(async (options: ChatOptions, command: Command) => {
      const { json } = context.globals(command);
      const client = context.client(command);
      const { stdout, stderr, stdin } = context.io;
      const colors = context.colors.stdout;
      const note = (text: string) => {
        if (!json) stderr.write(`${context.colors.stderr.dim(text)}\n`);
      };
      let conversationId = options.conversation;
      let model = options.model;
      if (conversationId !== undefined) {
        const stored = await client.get<Conversation>(`/api/history/${encodeURIComponent(conversationId)}`);
        note(`continuing "${stored.title}" (${String(stored.messages.length)} messages)`);
      }

      const terminal = stdin.isTTY === true && stdout.isTTY === true && !json;
      const lines = createInterface({ input: stdin, output: terminal ? stdout : undefined, terminal, prompt: colors.cyan('> ') });
      let current: AbortController | undefined;
      // An object: TypeScript does not see the 'close' callback change a plain variable.
      const state = { closed: false };
      lines.on('close', () => {
        state.closed = true;
      });
      const interrupt = () => {
        if (current !== undefined) {
          current.abort();
          return;
        }
        if (state.closed) return;
        if (lines.line === '') {
          lines.close();
          return;
        }
        // Ctrl+C with text typed: drop the text, as a shell does.
        lines.write(null, { ctrl: true, name: 'e' });
        lines.write(null, { ctrl: true, name: 'u' });
        stdout.write('^C\n');
        lines.prompt();
      };
      lines.on('SIGINT', interrupt);
      const stopListening = context.io.onInterrupt(interrupt);
      const prompt = () => {
        if (terminal && !state.closed) lines.prompt();
      };

      note(`model ${model ?? 'default'}; /help for commands; Ctrl+C stops an answer`);
      prompt();
      try {
        for await (const line of lines) {
          const text = line.trim();
          if (text === '') {
            prompt();
            continue;
          }
          if (text.startsWith('/')) {
            const [name, ...rest] = text.split(/\s+/);
            const argument = rest.join(' ');
            if (name === '/exit' || name === '/quit') break;
            if (name === '/new') {
              conversationId = undefined;
              note('new conversation');
            } else if (name === '/model') {
              if (argument !== '') model = argument;
              note(`model ${model ?? 'default'}`);
            } else if (name === '/history') {
              if (conversationId === undefined) note('no messages yet');
              else {
                const stored = await client
                  .get<Conversation>(`/api/history/${encodeURIComponent(conversationId)}`)
                  .catch((error: unknown) => {
                    note(`edge-llm: ${describeFailure(error)}`);
                    return undefined;
                  });
                if (stored && json) writeJson(stdout, stored);
                else if (stored) stdout.write(formatTranscript(stored.messages, colors));
              }
            } else {
              note(name === '/help' ? help : `unknown command ${name ?? ''}; /help lists them`);
            }
            prompt();
            continue;
          }

          current = new AbortController();
          try {
            const turn = await runChatTurn(
              client,
              { message: text, model, conversation_id: conversationId, system: options.system },
              { signal: current.signal, now: context.now, ...(json ? {} : { onToken: (token: string) => stdout.write(token) }) },
            );
            conversationId = turn.conversationId ?? conversationId;
            if (json)
              writeJson(stdout, {
                conversation_id: conversationId ?? null,
                message_id: turn.done?.message_id ?? null,
                model: turn.done?.model ?? null,
                response: turn.text,
                status: turn.aborted ? 'aborted' : 'complete',
                usage: turn.done?.usage ?? null,
              });
            else stdout.write('\n');
            if (turn.aborted) note('[stopped; the partial answer is kept as aborted]');
          } catch (error) {
            if (!ApiError.isInstance(error)) throw error;
            if (!json) stdout.write('\n');
            stderr.write(`${context.colors.stderr.red(`edge-llm: ${describeFailure(error)}`)}\n`);
          } finally {
            current = undefined;
          }
          prompt();
        }
      } finally {
        stopListening();
        if (!state.closed) lines.close();
      }
    });
}
