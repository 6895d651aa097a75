import type { ModelRoute } from '../providers/model-registry.ts';
import { providerCapabilities } from '../providers/provider-capabilities.ts';
import { parseImageDataUrl } from '../schemas/image-url.ts';
import type { ImageFetcher } from './image-fetch.ts';
import type { ConversationMessage, ImageInput, UserPart } from './model-prompt.ts';

/** An image as a message carries it: a data URL with its bytes, or an https URL to fetch later if needed. */
export function imageInput(url: string, field: string, detail?: ImageInput['detail']): ImageInput {
  const inline = parseImageDataUrl(url);
  return { url, field, ...(inline ?? {}), ...(detail === undefined ? {} : { detail }) };
}

/** The images of a user message's parts. */
export const imagesOf = (parts: readonly UserPart[] | undefined): ImageInput[] =>
  (parts ?? []).flatMap((part) => (part.type === 'image' ? [part.image] : []));

const needsInline = (route: ModelRoute) =>
  [route.model, ...route.fallbacks].some((model) => !providerCapabilities[model.provider.kind].fetchesImageUrls);

/**
 * The messages with their https images fetched (under the SSRF rules of image-fetch.ts) when a model
 * of the route takes only inline images (Ollama); unchanged when every model fetches URLs itself. Runs
 * before any model call: an image that cannot be fetched is 400 naming its field.
 */
export async function inlineImages(
  route: ModelRoute,
  messages: ConversationMessage[],
  fetchImage: ImageFetcher,
  signal: AbortSignal,
): Promise<ConversationMessage[]> {
  const pending = messages.flatMap((message) =>
    message.role === 'user' ? imagesOf(message.parts).filter((image) => image.base64 === undefined) : [],
  );
  if (pending.length === 0 || !needsInline(route)) return messages;
  const fetched = new Map<string, Promise<{ mediaType: string; base64: string }>>();
  for (const image of pending) {
    if (!fetched.has(image.url)) fetched.set(image.url, fetchImage(image.url, image.field ?? 'image_url', signal));
  }
  const results = new Map<string, { mediaType: string; base64: string }>();
  for (const [url, result] of fetched) results.set(url, await result);
  return messages.map((message) => {
    if (message.role !== 'user' || message.parts === undefined) return message;
    const parts = message.parts.map((part): UserPart => {
      if (part.type === 'text' || part.image.base64 !== undefined) return part;
      const inline = results.get(part.image.url);
      return inline === undefined ? part : { type: 'image', image: { ...part.image, ...inline } };
    });
    return { ...message, parts };
  });
}
