/** Stands for the text while a shape is serialized; JSON escapes its NUL characters, so no text can equal it. */
const marker = '\u0000edge-llm-text\u0000';
const markerJson = JSON.stringify(marker);

/**
 * `(text) => JSON.stringify(shape(text))` for the events sent once per token: the shape is serialized
 * once, with a marker where the text goes, and each call joins the two halves around the text's own
 * JSON string. The event's other fields are fixed when this is called.
 */
export function jsonWithText(shape: (text: string) => unknown): (text: string) => string {
  const parts = JSON.stringify(shape(marker)).split(markerJson);
  const [before, after] = parts;
  if (parts.length !== 2 || before === undefined || after === undefined) {
    throw new Error('jsonWithText: the shape must hold the text exactly once');
  }
  return (text) => before + JSON.stringify(text) + after;
}
