/**
 * Secrets this API hands out (API keys `ela_…`, session tokens `els_…`) and how they are checked:
 * 32 random bytes, stored only as their SHA-256, compared in constant time. WebCrypto only, so the
 * same code runs on Node, Bun, Deno and Workers.
 */

export const apiKeyPrefix = 'ela_';
export const sessionTokenPrefix = 'els_';

/** How many characters of a key lists show (`ela_` and 8 more): enough to tell keys apart, useless to an attacker. */
const shownPrefixLength = 12;

const encoder = new TextEncoder();

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A new secret: the prefix and 256 random bits. */
export function newSecret(prefix: string): string {
  return `${prefix}${base64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export const shownPrefix = (secret: string) => secret.slice(0, shownPrefixLength);

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

export function hex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

/** The stored form of a secret: SHA-256 as lower-case hex, so any input (any length) maps to one lookup. */
export async function secretHash(secret: string): Promise<string> {
  return hex(await sha256(secret));
}

interface SubtleWithTimingSafeEqual {
  timingSafeEqual?: (a: ArrayBufferView | ArrayBuffer, b: ArrayBufferView | ArrayBuffer) => boolean;
}

/**
 * Equality of two byte strings of the same length in time that does not depend on where they differ.
 * Workers have `crypto.subtle.timingSafeEqual` (it throws on unequal lengths, which is why callers hash
 * first); elsewhere the XOR loop below does the same.
 */
export function constantTimeEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  const subtle = crypto.subtle as SubtleWithTimingSafeEqual;
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(left, right);
  let difference = 0;
  for (let index = 0; index < left.length; index += 1) difference |= (left[index] ?? 0) ^ (right[index] ?? 0);
  return difference === 0;
}
