/**
 * The metav1.Status objects written on channel 3 (v4/v5), byte for byte as Go's json.Marshal
 * emits them: empty TypeMeta, `metadata: {}`, fields in struct order, StatusCause.Type as "reason".
 */
import type { StreamPath } from './types.ts';

export function successStatus(): string {
  return JSON.stringify({ metadata: {}, status: 'Success' });
}

/** The kubelet's (containerd's) wording, or the v5 StreamTranslator's rewrite of it. */
export function nonZeroExitStatus(exitCode: number, command: string[], path: StreamPath): string {
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: nonZeroExitMessage(exitCode, command, path),
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  });
}

export function nonZeroExitMessage(exitCode: number, command: string[], path: StreamPath): string {
  const inner =
    path === 'apiserver-v5'
      ? `command terminated with exit code ${exitCode}`
      : `error executing command [${command.join(' ')}], exit code ${exitCode}`;
  return `command terminated with non-zero exit code: ${inner}`;
}

/** apierrors.NewInternalError(err). */
export function internalErrorStatus(err: string): string {
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${err}`,
    reason: 'InternalError',
    details: { causes: [{ message: err }] },
    code: 500,
  });
}
