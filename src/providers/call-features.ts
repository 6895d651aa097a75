import type { JSONSchema7, LanguageModelV4CallOptions } from '@ai-sdk/provider';

/** A function the model may call (OpenAI's `tools[].function`). */
export interface ToolDefinition {
  name: string;
  description?: string | undefined;
  /** The arguments' JSON schema. */
  parameters: JSONSchema7;
  strict?: boolean | undefined;
}

/** OpenAI's `tool_choice`: `{ name }` forces that function. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** Structured output: JSON, optionally matching a schema (`json_schema`), or any JSON object (`json_object`). */
export interface JsonResponseFormat {
  schema?: JSONSchema7 | undefined;
  name?: string | undefined;
  description?: string | undefined;
  strict?: boolean | undefined;
}

/**
 * What an OpenAI client may ask of a model call beyond the sampling parameters. Which provider kind can
 * honour which of these is in provider-capabilities.ts; each provider maps them in its callSettings.
 */
export interface CallFeatures {
  tools?: ToolDefinition[] | undefined;
  toolChoice?: ToolChoice | undefined;
  parallelToolCalls?: boolean | undefined;
  responseFormat?: JsonResponseFormat | undefined;
  seed?: number | undefined;
  frequencyPenalty?: number | undefined;
  presencePenalty?: number | undefined;
  logitBias?: Record<string, number> | undefined;
}

export type FeatureCallOptions = Pick<
  LanguageModelV4CallOptions,
  'tools' | 'toolChoice' | 'responseFormat' | 'seed' | 'frequencyPenalty' | 'presencePenalty'
>;

function toolChoiceOption(choice: ToolChoice): NonNullable<LanguageModelV4CallOptions['toolChoice']> {
  return typeof choice === 'string' ? { type: choice } : { type: 'tool', toolName: choice.name };
}

/**
 * The AI SDK's standard call options for the features; provider-specific ones (parallel tool calls,
 * strict schemas, logit bias, Ollama's seed) are added by each provider's callSettings.
 * `omitToolsForNone`: the provider has no `none` mode, so "call no tool" is kept by sending no tools.
 */
export function featureCallOptions(features: CallFeatures, options: { omitToolsForNone?: boolean } = {}): FeatureCallOptions {
  const settings: FeatureCallOptions = {};
  const { tools, toolChoice, responseFormat } = features;
  const noTools = toolChoice === 'none' && options.omitToolsForNone === true;
  if (tools !== undefined && tools.length > 0 && !noTools) {
    settings.tools = tools.map((tool) => ({
      type: 'function' as const,
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      inputSchema: tool.parameters,
      ...(tool.strict === undefined ? {} : { strict: tool.strict }),
    }));
    if (toolChoice !== undefined) settings.toolChoice = toolChoiceOption(toolChoice);
  }
  if (responseFormat !== undefined) {
    settings.responseFormat = {
      type: 'json',
      ...(responseFormat.schema === undefined ? {} : { schema: responseFormat.schema }),
      ...(responseFormat.name === undefined ? {} : { name: responseFormat.name }),
      ...(responseFormat.description === undefined ? {} : { description: responseFormat.description }),
    };
  }
  if (features.seed !== undefined) settings.seed = features.seed;
  if (features.frequencyPenalty !== undefined) settings.frequencyPenalty = features.frequencyPenalty;
  if (features.presencePenalty !== undefined) settings.presencePenalty = features.presencePenalty;
  return settings;
}
