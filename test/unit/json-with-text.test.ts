import { describe, expect, it } from 'vitest';
import { jsonWithText } from '../../src/streaming/json-with-text.ts';

const shape = (text: string) => ({ id: 'chatcmpl-1', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });

describe('jsonWithText', () => {
  const serialize = jsonWithText(shape);
  const texts = [
    '',
    'Hello',
    'quote " and backslash \\ and slash /',
    'line\nbreak\ttab\r',
    'NUL \u0000 and the marker \u0000edge-llm-text\u0000 itself',
    'line separators \u2028\u2029',
    'emoji 👋🏽 and 中文',
    'lone surrogate \ud800',
    '{"token":"not a field"}',
  ];
  it.each(texts)('gives what JSON.stringify gives for %j', (text) => {
    expect(serialize(text)).toBe(JSON.stringify(shape(text)));
    expect(JSON.parse(serialize(text))).toEqual(shape(text));
  });

  it('refuses a shape without the text or with it twice', () => {
    expect(() => jsonWithText(() => ({ fixed: true }))).toThrow(/exactly once/);
    expect(() => jsonWithText((text) => ({ a: text, b: text }))).toThrow(/exactly once/);
  });
});
