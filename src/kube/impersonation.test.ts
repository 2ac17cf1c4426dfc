import { describe, expect, it } from 'vitest';
import { impersonationHeaders, withoutImpersonation } from './impersonation.ts';

describe('impersonationHeaders', () => {
  it('gives one Impersonate-Group value per group, never a comma-joined one', () => {
    const h = impersonationHeaders({ user: 'alice', groups: ['dev', 'ops', 'dev'] });
    expect(h).toEqual({ 'Impersonate-User': 'alice', 'Impersonate-Group': ['dev', 'ops'] });
  });

  it('sends no group header when there are no groups', () => {
    expect(impersonationHeaders({ user: 'bob', groups: [] })).toEqual({ 'Impersonate-User': 'bob' });
  });

  it('refuses names that could inject header lines', () => {
    expect(() => impersonationHeaders({ user: 'alice\r\nImpersonate-Group: system:masters', groups: [] })).toThrow(TypeError);
    expect(() => impersonationHeaders({ user: 'alice', groups: ['a\nb'] })).toThrow(TypeError);
    expect(() => impersonationHeaders({ user: '', groups: [] })).toThrow(TypeError);
  });

  it('strips impersonation a kubeconfig would add', () => {
    expect(withoutImpersonation({ Authorization: 'Bearer t', 'Impersonate-User': 'x', 'impersonate-group': ['y'] }))
      .toEqual({ Authorization: 'Bearer t' });
  });
});
