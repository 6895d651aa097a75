import { openAiErrorSchema } from '../schemas/openai.ts';

const errorContent = (description: string) => ({
  description,
  content: { 'application/json': { schema: openAiErrorSchema } },
});

/** The error responses of the /v1 routes, in OpenAI's shape. */
export const openAiErrorResponses = {
  400: errorContent("Invalid request, or a feature the model's provider cannot do (`param` names the field)"),
  404: errorContent('Unknown model, or an unknown or foreign X-Conversation-Id'),
  409: errorContent('A generation is already running in the X-Conversation-Id conversation'),
  413: errorContent('Body too large'),
  415: errorContent('Body is not JSON'),
  429: errorContent('The upstream rate limit could not be waited out'),
  502: errorContent('The model server answered with an error'),
  503: errorContent('The model server cannot be reached'),
  504: errorContent('The model server did not answer in time'),
} as const;
