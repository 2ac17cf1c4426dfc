import { describe, expect, it } from 'vitest';
import { PodgateError, toPodgateError } from './index.ts';

describe('PodgateError', () => {
  it('keeps the user text apart from the operator text and the cause', () => {
    const cause = new Error('ECONNREFUSED 10.0.0.1:6443');
    const err = new PodgateError('API_UNREACHABLE', undefined, { operatorMessage: 'dial failed', cause });
    expect(err.userMessage).toBe('the Kubernetes API server cannot be reached');
    expect(err.operatorMessage).toBe('dial failed');
    expect(err.cause).toBe(cause);
  });

  it('wraps foreign errors as INTERNAL without showing their text to the user', () => {
    const err = toPodgateError(new TypeError('x is undefined'));
    expect(err.code).toBe('INTERNAL');
    expect(err.userMessage).toBe('internal error');
    expect(err.operatorMessage).toBe('x is undefined');
  });
});
