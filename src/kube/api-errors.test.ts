import { describe, expect, it } from 'vitest';
import { DeadlineError, httpStatusError, parseStatus, transportError } from './api-errors.ts';

const status = (code: number, message: string, reason = 'x'): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

describe('httpStatusError', () => {
  it('shows the API message for 403 and 404', () => {
    const e = httpStatusError(403, status(403, 'pods "p" is forbidden: User "alice" cannot get resource "pods/exec"'), 'exec', 'exec');
    expect(e.code).toBe('FORBIDDEN');
    expect(e.userMessage).toContain('User "alice" cannot get resource "pods/exec"');
    const n = httpStatusError(404, status(404, 'pods "nope" not found', 'NotFound'), 'exec', 'exec');
    expect(n.code).toBe('POD_NOT_FOUND');
    expect(n.userMessage).toBe('pods "nope" not found');
  });

  it('tells a bad container from other 400s on streams', () => {
    expect(httpStatusError(400, status(400, 'container c is not valid for pod p'), 'exec', 'w').code).toBe('CONTAINER_NOT_FOUND');
    const other = httpStatusError(400, status(400, 'you must specify at least 1 of stdin, stdout, stderr'), 'exec', 'w');
    expect(other.code).toBe('API_ERROR');
    expect(other.operatorMessage).toContain('you must specify at least 1');
    expect(other.userMessage).toBe('the Kubernetes API server returned an error');
  });

  it('prints log errors as kubectl does', () => {
    const e = httpStatusError(400, status(400, 'container "app" in pod "pending-1" is waiting to start: ContainerCreating'), 'logs', 'logs');
    expect(e.code).toBe('POD_NOT_RUNNING');
    expect(e.userMessage).toBe('container "app" in pod "pending-1" is waiting to start: ContainerCreating');
  });

  it('keeps other failures for the operator only', () => {
    const e = httpStatusError(500, status(500, 'etcd is sad', 'InternalError'), 'rest', 'get pod');
    expect(e.code).toBe('API_ERROR');
    expect(e.operatorMessage).toContain('etcd is sad');
    expect(e.userMessage).not.toContain('etcd');
  });

  it('reads kubelet plain-text errors', () => {
    expect(parseStatus('container not found ("c")')).toEqual({ message: 'container not found ("c")' });
    expect(httpStatusError(500, 'container not found ("c")', 'exec', 'w').code).toBe('POD_NOT_RUNNING');
  });
});

describe('transportError', () => {
  it('maps refused and unresolvable to API_UNREACHABLE, our deadline to API_TIMEOUT', () => {
    expect(transportError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'w').code).toBe('API_UNREACHABLE');
    expect(transportError(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), 'w').code).toBe('API_UNREACHABLE');
    expect(transportError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'w').code).toBe('API_UNREACHABLE');
    expect(transportError(new DeadlineError(100, 'get pod'), 'w').code).toBe('API_TIMEOUT');
  });
});
