import { storedImages } from '../db/message-images.ts';
import type { MessageRow } from '../db/schema.ts';
import { imageInput } from './image-inputs.ts';
import type { ConversationMessage, ImageInput, UserPart } from './model-prompt.ts';

/**
 * Stored images sent to the model with the history, newest first: older ones stay in the history
 * (GET /api/history/:id) but not in the prompt, so an old picture does not cost tokens on every turn.
 */
export const historyImageLimit = 4;

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
