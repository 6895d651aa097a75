import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors/app-error.ts';
import { createImageFetcher, type ImageFetchLimits } from '../src/services/image-fetch.ts';
import { isPublicIpAddress, refusedUrlReason } from '../src/services/public-address.ts';

const pngBytes = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='),
  (c) => c.charCodeAt(0),
);

/** A fetch that answers from a table and records every request. */
function scriptedFetch(answers: Record<string, () => Response | Promise<Response>>) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetchImplementation = (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push({ url, init });
    const answer = answers[url];
    return Promise.resolve(answer ? answer() : new Response('not found', { status: 404 }));
  };
  return { calls, fetch: fetchImplementation };
}

const png = () => new Response(pngBytes, { headers: { 'content-type': 'image/png' } });
const limits: ImageFetchLimits = { maxBytes: 1024, timeoutMs: 200, maxRedirects: 2 };
const signal = new AbortController().signal;

async function refusal(promise: Promise<unknown>): Promise<{ field: string; message: string }> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!AppError.isInstance(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(error.code).toBe('INVALID_INPUT');
  const [detail] = error.details;
  if (!detail) throw new Error('no detail');
  return detail;
}

describe('image fetching for clients (SSRF rules)', () => {
  it('fetches a public https image as base64 with its media type, without following redirects by itself', async () => {
    const upstream = scriptedFetch({ 'https://images.example.com/cat.png': png });
    const image = await createImageFetcher(upstream.fetch, limits)('https://images.example.com/cat.png', 'f', signal);
    expect(image).toEqual({ mediaType: 'image/png', base64: btoa(String.fromCharCode(...pngBytes)) });
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]?.init?.redirect).toBe('manual');
  });

  it('refuses private, loopback, link-local, local-name, non-https, odd-port and credential URLs without any request', async () => {
    const upstream = scriptedFetch({});
    const fetchImage = createImageFetcher(upstream.fetch, limits);
    for (const url of [
      'http://example.com/a.png',
      'https://127.0.0.1/a.png',
      'https://127.1/a.png',
      'https://2130706433/a.png',
      'https://0x7f000001/a.png',
      'https://10.0.0.8/a.png',
      'https://172.20.1.1/a.png',
      'https://192.168.1.1/a.png',
      'https://100.64.0.1/a.png',
      'https://169.254.169.254/a.png',
      'https://0.0.0.0/a.png',
      'https://[::1]/a.png',
      'https://[::]/a.png',
      'https://[fe80::1]/a.png',
      'https://[fd00::1]/a.png',
      'https://[::ffff:10.0.0.1]/a.png',
      'https://[64:ff9b::a00:1]/a.png',
      'https://localhost/a.png',
      'https://api.localhost/a.png',
      'https://nas.local/a.png',
      'https://metadata.google.internal/a.png',
      'https://intranet/a.png',
      'https://example.com:444/a.png',
      'https://user:pw@example.com/a.png',
    ]) {
      const detail = await refusal(fetchImage(url, 'messages.0.content.1.image_url.url', signal));
      expect(detail.field, url).toBe('messages.0.content.1.image_url.url');
    }
    expect(upstream.calls).toEqual([]);
  });

  it('follows a redirect to a public host, and refuses one to a private address before requesting it', async () => {
    const upstream = scriptedFetch({
      'https://a.example.com/img': () =>
        new Response(null, { status: 302, headers: { location: 'https://b.example.com/img.png' } }),
      'https://b.example.com/img.png': png,
      'https://evil.example.com/img': () =>
        new Response(null, { status: 301, headers: { location: 'https://169.254.169.254/x' } }),
      'https://loop.example.com/img': () => new Response(null, { status: 302, headers: { location: '/img' } }),
    });
    const fetchImage = createImageFetcher(upstream.fetch, limits);
    expect((await fetchImage('https://a.example.com/img', 'f', signal)).mediaType).toBe('image/png');
    expect((await refusal(fetchImage('https://evil.example.com/img', 'f', signal))).message).toMatch(/private/);
    expect(upstream.calls.map((call) => call.url)).not.toContain('https://169.254.169.254/x');
    expect((await refusal(fetchImage('https://loop.example.com/img', 'f', signal))).message).toMatch(/redirected too often/);
    expect(upstream.calls.filter((call) => call.url === 'https://loop.example.com/img')).toHaveLength(3);
  });

  it('refuses error statuses, non-image types, images over the size limit and images that take too long', async () => {
    const big = new Uint8Array(2048);
    const upstream = scriptedFetch({
      'https://x.example.com/missing.png': () => new Response('no', { status: 404 }),
      'https://x.example.com/page': () => new Response('<html>', { headers: { 'content-type': 'text/html' } }),
      'https://x.example.com/svg': () => new Response('<svg/>', { headers: { 'content-type': 'image/svg+xml' } }),
      'https://x.example.com/declared.png': () =>
        new Response(big, { headers: { 'content-type': 'image/png', 'content-length': String(big.length) } }),
      'https://x.example.com/streamed.png': () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(big.subarray(0, 800));
              controller.enqueue(big.subarray(800));
              controller.close();
            },
          }),
          { headers: { 'content-type': 'image/png' } },
        ),
    });
    const slow: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          reject(init.signal?.reason as Error);
        });
      });
    const fetchImage = createImageFetcher(upstream.fetch, limits);
    expect((await refusal(fetchImage('https://x.example.com/missing.png', 'f', signal))).message).toMatch(/404/);
    expect((await refusal(fetchImage('https://x.example.com/page', 'f', signal))).message).toMatch(/not a jpeg/);
    expect((await refusal(fetchImage('https://x.example.com/svg', 'f', signal))).message).toMatch(/not a jpeg/);
    expect((await refusal(fetchImage('https://x.example.com/declared.png', 'f', signal))).message).toMatch(/larger/);
    expect((await refusal(fetchImage('https://x.example.com/streamed.png', 'f', signal))).message).toMatch(/larger/);
    const timedOut = await refusal(createImageFetcher(slow, limits)('https://x.example.com/slow.png', 'f', signal));
    expect(timedOut.message).toMatch(/within 0.2 s/);
  });
});

describe('public addresses', () => {
  it('tells public IP addresses from the others', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '2001:4860:4860::8888'])
      expect(isPublicIpAddress(address), address).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.31.255.255',
      '192.0.2.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      'fe80::1',
      '2001:db8::1',
      '2002::1',
      'not-an-ip',
    ])
      expect(isPublicIpAddress(address), address).toBe(false);
  });

  it('lets public https names through', () => {
    expect(refusedUrlReason(new URL('https://images.example.com/cat.png'))).toBeUndefined();
    expect(refusedUrlReason(new URL('https://example.com:443/cat.png'))).toBeUndefined();
    expect(refusedUrlReason(new URL('https://8.8.8.8/cat.png'))).toBeUndefined();
  });
});
