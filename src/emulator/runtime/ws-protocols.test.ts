import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, KUBELET_EXEC_PROTOCOLS, negotiate, offeredProtocols, TRANSLATOR_EXEC_PROTOCOLS } from './ws-protocols.ts';

describe('subprotocol negotiation', () => {
  it('picks the first supported protocol in the client order', () => {
    const offer = offeredProtocols('v5.channel.k8s.io, v4.channel.k8s.io,channel.k8s.io');
    expect(negotiate(offer, KUBELET_EXEC_PROTOCOLS)?.name).toBe('v4.channel.k8s.io');
    expect(negotiate(offer, TRANSLATOR_EXEC_PROTOCOLS)?.version).toBe('v5');
    expect(negotiate([], KUBELET_EXEC_PROTOCOLS)).toEqual({ name: '', version: 'v1', codec: 'binary' });
    expect(negotiate(['v4.channel.k8s.io'], TRANSLATOR_EXEC_PROTOCOLS)).toBeNull();
  });
  it('frames binary and base64', () => {
    expect(encodeFrame('binary', 1, Buffer.from('hi'))).toEqual(Buffer.from([1, 104, 105]));
    expect(encodeFrame('base64', 1, Buffer.from('hi'))).toBe('1aGk=');
    expect(decodeFrame('base64', Buffer.from('0aGk='), false)).toEqual({ channel: 0, data: Buffer.from('hi') });
    expect(decodeFrame('binary', Buffer.from([0, 65]), true)).toEqual({ channel: 0, data: Buffer.from('A') });
    expect(decodeFrame('binary', Buffer.alloc(0), true)).toBeNull();
  });
});
