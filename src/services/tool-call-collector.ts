import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import type { ToolCall } from './model-prompt.ts';

/**
 * A tool call as it streams, in the terms of OpenAI's `delta.tool_calls`: `start` once per call (its
 * index in the answer, id and function name), then `arguments` pieces that add up to its JSON text.
 */
export type ToolCallEvent =
  { type: 'start'; index: number; id: string; name: string } | { type: 'arguments'; index: number; arguments: string };

type ToolPart = Extract<LanguageModelV4StreamPart, { type: 'tool-input-start' | 'tool-input-delta' | 'tool-call' }>;

/**
 * Collects tool calls from the provider's stream parts (`tool-input-start`, `tool-input-delta`,
 * `tool-call`) and reports them as they stream. Providers differ: OpenAI's and Anthropic's stream the
 * arguments in pieces, Ollama's send a whole call at once, and a `tool-call` may come without any
 * `tool-input-*` before it. The final `tool-call` input is the call's arguments; whatever of it was
 * not streamed yet is reported as one last piece.
 */
export class ToolCallCollector {
  readonly calls: ToolCall[] = [];
  private readonly indexById = new Map<string, number>();
  private readonly report: (event: ToolCallEvent) => Promise<void>;

  constructor(report: (event: ToolCallEvent) => Promise<void>) {
    this.report = report;
  }

  async add(part: ToolPart): Promise<void> {
    if (part.type === 'tool-input-start') {
      await this.start(part.id, part.toolName);
      return;
    }
    if (part.type === 'tool-input-delta') {
      const index = this.indexById.get(part.id);
      if (index !== undefined) await this.append(index, part.delta);
      return;
    }
    if (part.providerExecuted === true) return;
    const index = this.indexById.get(part.toolCallId) ?? (await this.start(part.toolCallId, part.toolName));
    const call = this.calls[index];
    if (call === undefined) return;
    const streamed = call.arguments;
    if (part.input.startsWith(streamed)) await this.append(index, part.input.slice(streamed.length));
    // Pieces that do not add up to the final input (a provider that rewrites it) are already out;
    // the whole call carries the final one.
    call.arguments = part.input;
  }

  private async start(id: string, name: string): Promise<number> {
    const index = this.calls.length;
    this.calls.push({ id, name, arguments: '' });
    this.indexById.set(id, index);
    await this.report({ type: 'start', index, id, name });
    return index;
  }

  private async append(index: number, piece: string): Promise<void> {
    const call = this.calls[index];
    if (call === undefined || piece === '') return;
    call.arguments += piece;
    await this.report({ type: 'arguments', index, arguments: piece });
  }
}
