import { z } from '@hono/zod-openapi';

/** The image types every provider here takes. */
export const imageMediaTypes = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

const dataUrlPattern = /^data:(image\/(?:png|jpeg|webp|gif));base64,([A-Za-z0-9+/]+={0,2})$/;

/** The media type and base64 bytes of an image data URL, or undefined when it is not one. */
export function parseImageDataUrl(url: string): { mediaType: string; base64: string } | undefined {
  const match = dataUrlPattern.exec(url);
  const [, mediaType, base64] = match ?? [];
  return mediaType === undefined || base64 === undefined ? undefined : { mediaType, base64 };
}

const isHttpsUrl = (value: string) => {
  if (!value.startsWith('https://') || value.length > 2048) return false;
  return URL.canParse(value);
};

/** An image data URL (jpeg/png/webp/gif, base64). */
export const imageDataUrlSchema = z
  .string()
  .refine(
    (value) => parseImageDataUrl(value) !== undefined,
    'must be a data URL of a jpeg, png, webp or gif image (data:image/png;base64,…)',
  )
  .openapi({ example: 'data:image/png;base64,iVBORw0KGgo…' });

/** OpenAI's `image_url.url`: an image data URL or an https URL (at most 2048 characters). */
export const imageUrlSchema = z
  .string()
  .refine(
    (value) => isHttpsUrl(value) || parseImageDataUrl(value) !== undefined,
    'must be an https URL or a data URL of a jpeg, png, webp or gif image',
  );
