import { ERROR_CODES, type ErrorCode } from './codes.ts';
import { terminalSafe } from './terminal-safe.ts';

/**
 * The one error type podgate raises on purpose. `userMessage` may be shown to the SSH user as
 * `podgate: <userMessage>`; `operatorMessage` and `cause` go only to the operator's log.
 */
export class PodgateError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly operatorMessage: string;

  constructor(code: ErrorCode, userMessage?: string, opts: { operatorMessage?: string; cause?: unknown } = {}) {
    // Shown on the user's terminal: whatever client text it quotes must not act as escapes.
    const text = terminalSafe(userMessage ?? ERROR_CODES[code].summary);
    super(text, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PodgateError';
    this.code = code;
    this.userMessage = text;
    this.operatorMessage = opts.operatorMessage ?? text;
  }
}

/** Wraps anything thrown into a PodgateError, keeping a PodgateError as it is. */
export function toPodgateError(err: unknown): PodgateError {
  if (err instanceof PodgateError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PodgateError('INTERNAL', undefined, { operatorMessage: message, cause: err });
}
