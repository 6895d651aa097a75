/** How the commands print: aligned tables, sizes, durations, costs and one-line previews. */
import type { OutputStream, Colors } from './cli-context.ts';

export interface Column<Row> {
  header: string;
  value(row: Row): string;
  /** Numbers are right-aligned. */
  align?: 'left' | 'right';
}

// eslint-disable-next-line no-control-regex -- colour codes are what is removed
const colourCodes = /\u001b\[[0-9;]*m/g;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const characters = (text: string) => Array.from(graphemes.segment(text), (part) => part.segment);

/** Characters as a terminal shows them: graphemes without colour codes (wide characters are rare here). */
const width = (text: string) => characters(text.replace(colourCodes, '')).length;

/**
 * An aligned plain-text table: a header, a dim rule under it, one line per row, and optionally a
 * last row (totals) under another rule. Columns are separated by two spaces; no trailing spaces.
 */
export function formatTable<Row>(columns: Column<Row>[], rows: Row[], colors: Colors, footer?: Row): string {
  const cells = [...rows, ...(footer === undefined ? [] : [footer])].map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) => Math.max(width(column.header), ...cells.map((line) => width(line[index] ?? ''))));
  const line = (values: string[]) =>
    values
      .map((value, index) => {
        const padding = ' '.repeat((widths[index] ?? 0) - width(value));
        return columns[index]?.align === 'right' ? padding + value : value + padding;
      })
      .join('  ')
      .trimEnd();
  const rule = colors.dim(widths.map((size) => '─'.repeat(size)).join('  '));
  const body = cells.map(line);
  const lines = [colors.bold(line(columns.map((column) => column.header))), rule];
  if (footer === undefined) lines.push(...body);
  else lines.push(...body.slice(0, -1), rule, colors.bold(body.at(-1) ?? ''));
  return `${lines.join('\n')}\n`;
}

export const dash = '—';

/** 1321082688 → `1.3 GB` (decimal units, as Ollama prints sizes). */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return dash;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? String(value) : value.toFixed(1)} ${units[unit] ?? 'B'}`;
}

/** Milliseconds as `850 ms` or `2.4 s`. */
export function formatDuration(milliseconds: number | undefined): string {
  if (milliseconds === undefined) return dash;
  return milliseconds < 1000 ? `${String(Math.round(milliseconds))} ms` : `${(milliseconds / 1000).toFixed(1)} s`;
}

/** US dollars with the digits that matter for small amounts (`$0.000012`), `—` when unknown. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return dash;
  if (usd === 0) return '$0';
  return usd >= 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toPrecision(2)}`;
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? dash : value.toLocaleString('en-US');
}

/** The first `length` characters of a text on one line (whitespace collapsed), with `…` when cut. */
export function preview(text: string, length = 40): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const parts = characters(flat);
  return parts.length <= length ? flat : `${parts.slice(0, length - 1).join('')}…`;
}

/** An ISO timestamp as `2026-11-23 10:00` (UTC), `—` when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return dash;
  return iso.replace('T', ' ').slice(0, 16);
}

/** Machine-readable output: one JSON document and a newline. */
export function writeJson(stream: OutputStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
