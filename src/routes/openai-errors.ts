import { openAiErrorSchema } from '../schemas/openai.ts';

const errorContent = (description: string) => ({
  description,
  content: { 'application/json': { schema: openAiErrorSchema } },
});

/** The error responses of the /v1 routes, in OpenAI's shape. */
export const openAiErrorResponses = {
  400: errorContent("Invalid request, or a feature the model's provider cannot do (`param` names the field)"),
  401: errorContent('Missing, wrong, expired or revoked API key (authentication_error, invalid_api_key)'),
  403: errorContent("Not allowed: a model outside the key's list (permission_error)"),
  404: errorContent('Unknown model, or an unknown or foreign X-Conversation-Id'),
  409: errorContent('A generation is already running in the X-Conversation-Id conversation'),
  413: errorContent('Body too large'),
  415: errorContent('Body is not JSON'),
  429: errorContent(
    'A rate limit, stream limit or token budget of the caller, or an upstream rate limit that could not be waited out (rate_limit_error)',
  ),
  502: errorContent('The model server answered with an error'),
  503: errorContent('The model server cannot be reached'),
  504: errorContent('The model server did not answer in time'),
} as const;
