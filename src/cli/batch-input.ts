/** What `edge-llm batch` reads and writes: prompts from .txt or .jsonl, one JSONL record per prompt. */
import { CliFailure } from './cli-context.ts';

export interface BatchItem {
  id: string;
  prompt: string;
  /** The line's own model, over --model. */
  model?: string;
}

/** One output line. */
export interface BatchRecord {
  id: string;
  prompt: string;
  answer: string | null;
  model: string | null;
  tokens: { input: number | null; output: number | null } | null;
  latency_ms: number;
  /** `CODE: message` when the prompt failed; null when it was answered. */
  error: string | null;
}

function jsonlItem(line: string, where: string): BatchItem {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new CliFailure(`${where}: not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliFailure(`${where}: not a JSON object`);
  const { prompt, model, id } = value as Record<string, unknown>;
  if (typeof prompt !== 'string' || prompt.trim() === '') throw new CliFailure(`${where}: "prompt" must be a non-empty string`);
  if (model !== undefined && typeof model !== 'string') throw new CliFailure(`${where}: "model" must be a string`);
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number')
    throw new CliFailure(`${where}: "id" must be a string or a number`);
  return { id: id === undefined ? '' : String(id), prompt, ...(model === undefined ? {} : { model }) };
}

/**
 * `.jsonl`: one `{"prompt", "model"?, "id"?}` a line; anything else: one prompt a line. Blank lines
 * are skipped; a line without an id gets its line number. A bad line or a repeated id stops the batch
 * before anything is sent, naming the line.
 */
export function parseBatchInput(text: string, fileName: string): BatchItem[] {
  const jsonl = fileName.toLowerCase().endsWith('.jsonl');
  const items: BatchItem[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const number = index + 1;
    const where = `${fileName}:${String(number)}`;
    const item = jsonl ? jsonlItem(line, where) : { id: '', prompt: line.trim() };
    if (item.id === '') item.id = String(number);
    const earlier = seen.get(item.id);
    if (earlier !== undefined) throw new CliFailure(`${where}: id "${item.id}" is already used on line ${String(earlier)}`);
    seen.set(item.id, number);
    items.push(item);
  });
  if (items.length === 0) throw new CliFailure(`${fileName} has no prompts`);
  return items;
}

/**
 * What --resume keeps of an earlier output: the lines of answered prompts (their ids are skipped)
 * and nothing of the failed ones, which are tried again. Lines that are not records are dropped.
 */
export function resumeFrom(text: string): { answered: Set<string>; kept: string[] } {
  const answered = new Set<string>();
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as Partial<BatchRecord>;
      if (typeof record.id === 'string' && record.error === null && !answered.has(record.id)) {
        answered.add(record.id);
        kept.push(line);
      }
    } catch {
      // a line cut by an interrupted run: dropped, its prompt runs again
    }
  }
  return { answered, kept };
}
