import { AppError } from '../errors/app-error.ts';
import { imageMediaTypes } from '../schemas/image-url.ts';
import { refusedUrlReason } from './public-address.ts';

/** An image fetched for a provider that takes only inline images. */
export interface FetchedImage {
  mediaType: string;
  base64: string;
}

/** Fetches the image at an https URL for a client; `field` names the request field in errors. */
export type ImageFetcher = (url: string, field: string, signal: AbortSignal) => Promise<FetchedImage>;

export interface ImageFetchLimits {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

/** README "Images": at most 10 MB, 10 s, 3 redirects (each one checked like the first URL). */
export const imageFetchLimits: ImageFetchLimits = { maxBytes: 10 * 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 };

const refused = (field: string, message: string) =>
  new AppError('INVALID_INPUT', 'The image could not be used', { details: [{ field, message }] });

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const step = 0x8000;
  for (let start = 0; start < bytes.length; start += step) binary += String.fromCharCode(...bytes.subarray(start, start + step));
  return btoa(binary);
}

async function readLimited(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * The image fetcher with the SSRF rules (public-address.ts): https to public hosts only, redirects
 * followed by hand and checked the same way, an image content type, at most `maxBytes`, within
 * `timeoutMs`. A refused URL is never requested. Every failure is 400 naming the field, with a fixed
 * text (nothing of what the other server answered).
 */
export function createImageFetcher(fetchImplementation: typeof fetch, limits: ImageFetchLimits = imageFetchLimits): ImageFetcher {
  return async (address, field, signal) => {
    const timeout = AbortSignal.timeout(limits.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    let url = new URL(address);
    try {
      for (let redirects = 0; ; redirects += 1) {
        const reason = refusedUrlReason(url);
        if (reason !== undefined) throw refused(field, reason);
        const response = await fetchImplementation(url, {
          redirect: 'manual',
          signal: combined,
          headers: { accept: imageMediaTypes.join(', ') },
        });
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location !== null) {
          await response.body?.cancel();
          if (redirects >= limits.maxRedirects) throw refused(field, 'the image URL redirected too often');
          url = new URL(location, url);
          continue;
        }
        if (!response.ok || response.body === null) {
          await response.body?.cancel();
          throw refused(field, `the image URL answered ${String(response.status)}`);
        }
        const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (!(imageMediaTypes as readonly string[]).includes(mediaType)) {
          await response.body.cancel();
          throw refused(field, 'the URL is not a jpeg, png, webp or gif image');
        }
        const declared = Number(response.headers.get('content-length') ?? '0');
        const bytes = declared > limits.maxBytes ? undefined : await readLimited(response.body, limits.maxBytes);
        if (bytes === undefined) {
          await response.body.cancel().catch(() => undefined);
          throw refused(field, `the image is larger than ${String(limits.maxBytes / (1024 * 1024))} MB`);
        }
        return { mediaType, base64: toBase64(bytes) };
      }
    } catch (error) {
      if (AppError.isInstance(error)) throw error;
      if (signal.aborted) throw error;
      if (timeout.aborted) throw refused(field, `the image was not fetched within ${String(limits.timeoutMs / 1000)} s`);
      throw refused(field, 'the image URL could not be reached');
    }
  };
}
