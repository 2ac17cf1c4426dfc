import { PodgateError } from '../errors/index.ts';
import type { ExecOutcome } from './types.ts';
import { parseStatus } from './api-errors.ts';

/**
 * Reads the Status an exec stream sends on channel 3 (v4/v5): Success → exit 0,
 * NonZeroExitCode → its ExitCode cause, InternalError `container not found` → POD_NOT_RUNNING,
 * anything else → API_ERROR with the message for the operator.
 */
export function outcomeFromStatus(body: string): ExecOutcome {
  const st = parseStatus(body);
  if (st.status === 'Success') return { exitCode: 0 };
  if (st.reason === 'NonZeroExitCode') {
    const cause = st.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = cause?.message !== undefined && /^\d+$/.test(cause.message) ? Number(cause.message) : NaN;
    if (Number.isInteger(code) && code >= 0 && code <= 255) return { exitCode: code };
  }
  const message = st.message ?? body.trim();
  const operatorMessage = `exec status: ${st.reason ?? 'unknown'}: ${message}`;
  if (/container not found/.test(message)) {
    return { error: new PodgateError('POD_NOT_RUNNING', undefined, { operatorMessage }) };
  }
  return { error: new PodgateError('API_ERROR', undefined, { operatorMessage }) };
}

/** True once `body` holds a complete JSON document (the status may span frames). */
export function isCompleteStatus(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
