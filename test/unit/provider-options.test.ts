import { describe, expect, it } from 'vitest';
import { setProviderOptions } from '../../src/providers/cloud-provider.ts';

describe('setProviderOptions', () => {
  it('leaves out unset values, and a provider with none set, so the provider does not validate empty options', () => {
    expect(setProviderOptions(undefined)).toBeUndefined();
    expect(setProviderOptions({ openai: { parallelToolCalls: undefined, logitBias: undefined } })).toBeUndefined();
    expect(
      setProviderOptions({ openai: { parallelToolCalls: false, strictJsonSchema: undefined }, other: { x: undefined } }),
    ).toEqual({ openai: { parallelToolCalls: false } });
    expect(setProviderOptions({ groq: { parallel_tool_calls: true, logit_bias: { '50256': -100 } } })).toEqual({
      groq: { parallel_tool_calls: true, logit_bias: { '50256': -100 } },
    });
  });
});
