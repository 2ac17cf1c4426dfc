import { describe, expect, it } from 'vitest';
import { internalErrorStatus, nonZeroExitStatus, successStatus } from './exec-status.ts';

describe('exec status JSON', () => {
  it('matches the Go encoding of metav1.Status', () => {
    expect(successStatus()).toBe('{"metadata":{},"status":"Success"}');
    expect(nonZeroExitStatus(3, ['sh', '-c', 'exit 3'], 'kubelet')).toBe(
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
    );
    expect(JSON.parse(nonZeroExitStatus(3, ['x'], 'apiserver-v5')).message).toBe(
      'command terminated with non-zero exit code: command terminated with exit code 3',
    );
    expect(internalErrorStatus('container not found ("c")')).toBe(
      '{"metadata":{},"status":"Failure","message":"Internal error occurred: container not found (\\"c\\")","reason":"InternalError","details":{"causes":[{"message":"container not found (\\"c\\")"}]},"code":500}',
    );
  });
});
