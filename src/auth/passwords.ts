/**
 * Password hashes: PBKDF2-SHA256 in WebCrypto, the one algorithm that runs on all four runtimes without a
 * native module and inside Workers' limits (Workers cap PBKDF2 at 100,000 iterations). The algorithm and
 * its parameters are stored with each hash (`pbkdf2-sha256$100000$salt$hash`, base64), so they can be
 * raised later and old hashes still verify.
 */
import { constantTimeEqual } from './tokens.ts';

export const passwordIterations = 100_000;
const algorithm = 'pbkdf2-sha256';
const saltBytes = 16;
const hashBits = 256;

const encoder = new TextEncoder();

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (character) => character.charCodeAt(0));

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, hashBits);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations = passwordIterations): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes));
  const hash = await derive(password, salt, iterations);
  return `${algorithm}$${String(iterations)}$${toBase64(salt)}$${toBase64(hash)}`;
}

/**
 * Checked against when the email is unknown, so a login for an unknown email costs what a wrong password
 * costs and its timing does not tell whether the email is registered. (The password is not a secret.)
 */
const dummyHash = 'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

interface ParsedHash {
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array;
}

function parseHash(stored: string | null | undefined): ParsedHash | undefined {
  const [name, iterationsText, saltText, hashText] = (stored ?? '').split('$');
  const iterations = Number(iterationsText);
  if (name !== algorithm || !Number.isInteger(iterations) || iterations < 1 || iterations > passwordIterations) return undefined;
  try {
    return { iterations, salt: fromBase64(saltText ?? ''), hash: fromBase64(hashText ?? '') };
  } catch {
    return undefined;
  }
}

const dummy = parseHash(dummyHash) as ParsedHash;

/** True when `password` matches `stored`; a missing or unreadable hash costs the same time and is false. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parsed = parseHash(stored);
  const used = parsed ?? dummy;
  const actual = await derive(password, used.salt, used.iterations);
  return constantTimeEqual(actual, used.hash) && parsed !== undefined;
}
