import type { MessageRow } from './schema.ts';

/** A message's stored images. The `images` column holds them as a JSON array of their URLs, NULL for none. */
export function storedImages(row: Pick<MessageRow, 'images'>): string[] {
  if (row.images === null) return [];
  const parsed: unknown = JSON.parse(row.images);
  return Array.isArray(parsed) ? parsed.filter((url): url is string => typeof url === 'string') : [];
}

/** The `images` column value for these image URLs. */
export const imagesColumn = (urls: readonly string[]): string | null => (urls.length === 0 ? null : JSON.stringify(urls));
