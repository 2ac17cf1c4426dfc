import { describe, expect, it } from 'vitest';
import { decodeReview } from './protobuf.ts';

/** Minimal protobuf writer: length-delimited fields only (all the review messages use). */
function field(no: number, value: Buffer | string): Buffer {
  const data = Buffer.isBuffer(value) ? value : Buffer.from(value);
  const varint = (n: number): number[] => { const out: number[] = []; while (n > 127) { out.push((n & 0x7f) | 0x80); n >>>= 7; } out.push(n); return out; };
  return Buffer.concat([Buffer.from(varint(no * 8 + 2)), Buffer.from(varint(data.length)), data]);
}
const msg = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), field(1, msg(field(1, apiVersion), field(2, kind))), field(2, raw)]);
}

describe('decodeReview', () => {
  it('reads a SubjectAccessReview as kubectl 1.33 sends it', () => {
    const ra = msg(field(1, 'prod'), field(2, 'create'), field(3, ''), field(4, ''), field(5, 'pods'), field(6, 'exec'), field(7, 'db-0'));
    const spec = msg(field(1, ra), field(3, 'alice'), field(4, 'dev'), field(4, 'system:authenticated'), field(5, msg(field(1, 'k'), field(2, field(1, 'v')))), field(6, 'u-1'));
    const body = envelope('authorization.k8s.io/v1', 'SubjectAccessReview', msg(field(1, Buffer.alloc(0)), field(2, spec)));
    expect(decodeReview(body)).toEqual({
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {},
      spec: {
        resourceAttributes: { namespace: 'prod', verb: 'create', group: '', version: '', resource: 'pods', subresource: 'exec', name: 'db-0' },
        user: 'alice', groups: ['dev', 'system:authenticated'], extra: { k: ['v'] }, uid: 'u-1',
      },
    });
  });

  it('reads a SelfSubjectRulesReview namespace and rejects bodies without the envelope', () => {
    const body = envelope('authorization.k8s.io/v1', 'SelfSubjectRulesReview', msg(field(2, field(1, 'prod'))));
    expect(decodeReview(body).spec).toEqual({ namespace: 'prod' });
    expect(() => decodeReview(Buffer.from('{}'))).toThrow(/envelope/);
    expect(() => decodeReview(Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from([0x0a, 0x50])]))).toThrow(/truncated/);
  });
});
