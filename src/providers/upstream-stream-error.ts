export type UpstreamStreamErrorKind = 'error-line' | 'truncated' | 'not-a-model-response';

/** A model server answered 200 but its body was an error, cut short or not what a model server sends. */
export class UpstreamStreamError extends Error {
  override name = 'UpstreamStreamError';
  readonly kind: UpstreamStreamErrorKind;

  constructor(message: string, kind: UpstreamStreamErrorKind) {
    super(message);
    this.kind = kind;
  }

  static isInstance(value: unknown): value is UpstreamStreamError {
    return value instanceof Error && value.name === 'UpstreamStreamError';
  }
}
