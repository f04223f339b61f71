// Typed errors with a stable `code` so that callers, logs and the push protocol can tell them apart.

export class ParseError extends Error {
  override readonly name = 'ParseError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Parsers return this instead of throwing, so that callers must handle both outcomes. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ParseError };

export const parsed = <T>(value: T): ParseResult<T> => ({ ok: true, value });
export const parseFailed = <T = never>(code: string, message: string, cause?: unknown): ParseResult<T> => ({
  ok: false,
  error: new ParseError(code, message, cause === undefined ? undefined : { cause }),
});
