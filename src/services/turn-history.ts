import type { MessageRow } from '../db/schema.ts';
import { imageInput } from './image-inputs.ts';
import type { ConversationMessage, ImageInput, UserPart } from './model-prompt.ts';

/**
 * Stored images sent to the model with the history, newest first: older ones stay in the history
 * (GET /api/history/:id) but not in the prompt, so an old picture does not cost tokens on every turn.
 */
export const historyImageLimit = 4;

/** A message's stored images (a JSON array of URLs). */
export function storedImages(row: Pick<MessageRow, 'images'>): string[] {
  if (row.images === null) return [];
  const parsed: unknown = JSON.parse(row.images);
  return Array.isArray(parsed) ? parsed.filter((url): url is string => typeof url === 'string') : [];
}

/** What `images` column value stores these image URLs (NULL for none). */
export const imagesColumn = (urls: readonly string[]): string | null => (urls.length === 0 ? null : JSON.stringify(urls));

/** A user message's parts: its text, then its images. */
export function userParts(text: string, images: readonly ImageInput[]): UserPart[] | undefined {
  if (images.length === 0) return undefined;
  return [{ type: 'text', text }, ...images.map((image): UserPart => ({ type: 'image', image }))];
}

/**
 * Stored messages as the model's context: text, and the images of the newest `historyImageLimit`
 * stored images. Empty and system messages are left out.
 */
export function historyMessages(rows: readonly MessageRow[]): ConversationMessage[] {
  let imagesLeft = historyImageLimit;
  const newestFirst = [...rows].reverse().flatMap((row): ConversationMessage[] => {
    if (row.role === 'system') return [];
    if (row.role === 'assistant') return row.content === '' ? [] : [{ role: 'assistant', content: row.content }];
    const stored = storedImages(row);
    const urls = imagesLeft > 0 ? stored.slice(-imagesLeft) : [];
    imagesLeft -= urls.length;
    const parts = userParts(
      row.content,
      urls.map((url) => imageInput(url, 'conversation_id')),
    );
    if (row.content === '' && parts === undefined) return [];
    return [parts === undefined ? { role: 'user', content: row.content } : { role: 'user', content: row.content, parts }];
  });
  return newestFirst.reverse();
}
