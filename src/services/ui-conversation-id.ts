/** An RFC 9562 UUID, as the history routes' `z.uuid()` accepts it. */
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The conversation a `useChat` chat id names. A UUID is the conversation's id as is (the web app
 * sends one). Any other id (useChat's default `generateId()` makes 16 letters and digits) becomes a
 * UUID derived from the caller and the id: version 8 (RFC 9562, custom) over SHA-256, so the same
 * chat id of the same caller always reaches the same conversation, and two callers never share one.
 */
export async function conversationIdForChat(ownerId: string, chatId: string): Promise<string> {
  if (uuidPattern.test(chatId)) return chatId.toLowerCase();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${ownerId}\n${chatId}`)));
  const bytes = digest.slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
