import { getTableColumns, sql } from 'drizzle-orm';
import { messages, type MessageRow } from './schema.ts';

/**
 * Message columns, with `content` read as hex: the libSQL driver cuts TEXT values at the first NUL
 * character when reading (the stored bytes are intact), so content is decoded here instead.
 */
export const messageColumns = { ...getTableColumns(messages), content: sql<string>`hex(${messages.content})` };

const utf8 = new TextDecoder();

function decodeHexText(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return utf8.decode(bytes);
}

/** Rows read with `messageColumns`, their content decoded. */
export const withDecodedContent = (rows: MessageRow[]): MessageRow[] =>
  rows.map((row) => ({ ...row, content: decodeHexText(row.content) }));
