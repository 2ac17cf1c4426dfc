import { PodgateError } from '../errors/index.ts';

/** The fields podgate reads from a Kubernetes `Status` body. */
export interface ApiStatus {
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/** Parses a Status JSON body; a non-JSON body (kubelet text errors) becomes its message. */
export function parseStatus(body: string): ApiStatus {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') return parsed;
    } catch {
      // not JSON after all: fall through to the plain-text form
    }
  }
  return text === '' ? {} : { message: text.slice(0, 2000) };
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  'ECONNABORTED', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'ERR_SOCKET_CLOSED',
]);

/** Marks an error raised by our own deadline, so it maps to API_TIMEOUT. */
export class DeadlineError extends Error {
  constructor(readonly timeoutMs: number, what: string) {
    super(`${what}: no answer within ${timeoutMs} ms`);
    this.name = 'DeadlineError';
  }
}

/** Maps a transport failure (no HTTP answer) to API_UNREACHABLE or API_TIMEOUT. */
export function transportError(err: unknown, what: string): PodgateError {
  if (err instanceof PodgateError) return err;
  if (err instanceof DeadlineError) {
    return new PodgateError('API_TIMEOUT', undefined, { operatorMessage: err.message, cause: err });
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new PodgateError('API_UNREACHABLE', undefined, { operatorMessage: `${what}: ${code}: ${message}`, cause: err });
  }
  if (code !== undefined && (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT')) {
    return new PodgateError('API_UNREACHABLE', undefined, { operatorMessage: `${what}: TLS: ${code}: ${message}`, cause: err });
  }
  if (/socket hang up|closed before the connection was established/i.test(message)) {
    return new PodgateError('API_UNREACHABLE', undefined, { operatorMessage: `${what}: ${message}`, cause: err });
  }
  return new PodgateError('API_ERROR', undefined, { operatorMessage: `${what}: ${message}`, cause: err });
}

/** What kind of call answered with an error; decides how 400s read. */
export type CallKind = 'rest' | 'exec' | 'portforward' | 'logs';

/**
 * Maps a non-success HTTP answer to a PodgateError. The API's message is shown to the user
 * where kubectl would print it (403, 404, container errors, log errors); other failures keep
 * it for the operator only.
 */
export function httpStatusError(statusCode: number, body: string, kind: CallKind, what: string): PodgateError {
  const st = parseStatus(body);
  const message = st.message ?? `HTTP ${statusCode}`;
  const operatorMessage = `${what}: HTTP ${statusCode}${st.reason ? ` ${st.reason}` : ''}: ${message}`;
  const opts = { operatorMessage };
  if (statusCode === 403) return new PodgateError('FORBIDDEN', message, opts);
  if (statusCode === 404) return new PodgateError('POD_NOT_FOUND', message, opts);
  if (statusCode === 401) return new PodgateError('API_ERROR', undefined, opts);
  if (statusCode === 400 && kind !== 'rest') {
    if (/is not valid for pod|a container name must be specified/.test(message)) return new PodgateError('CONTAINER_NOT_FOUND', message, opts);
    if (/container not found|is waiting to start|is terminated|does not have a host assigned|previous terminated container/.test(message)) {
      return new PodgateError('POD_NOT_RUNNING', message, opts);
    }
    if (kind === 'logs') return new PodgateError('API_ERROR', message, opts);
    return new PodgateError('API_ERROR', undefined, opts);
  }
  if (statusCode === 500 && /container not found/.test(message)) return new PodgateError('POD_NOT_RUNNING', message, opts);
  if (statusCode === 504 || (statusCode === 500 && st.reason === 'Timeout')) return new PodgateError('API_TIMEOUT', undefined, opts);
  if (statusCode === 503 || statusCode === 502) return new PodgateError('API_UNREACHABLE', undefined, opts);
  if (kind === 'logs' && statusCode >= 400 && statusCode < 500) return new PodgateError('API_ERROR', message, opts);
  return new PodgateError('API_ERROR', undefined, opts);
}
