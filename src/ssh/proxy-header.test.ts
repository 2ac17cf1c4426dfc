import { describe, expect, it } from 'vitest';
import { looksLikeProxyHeader, parseProxyHeader, V2_SIGNATURE } from './proxy-header.ts';

const v2 = (verCmd: number, famProto: number, body: Buffer): Buffer => {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([verCmd, famProto]), len, body]);
};

describe('PROXY protocol v1', () => {
  it('parses TCP4 and TCP6 and reports the header length, leaving the stream after it', () => {
    const buf = Buffer.from('PROXY TCP4 192.0.2.5 10.0.0.1 40000 2222\r\nSSH-2.0-OpenSSH_9.2\r\n');
    expect(parseProxyHeader(buf)).toEqual({ kind: 'header', version: 1, length: 42, addresses: { sourceAddress: '192.0.2.5', sourcePort: 40000, destAddress: '10.0.0.1', destPort: 2222 } });
    const six = parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::5 2001:db8::1 1 22\r\n'));
    expect(six).toMatchObject({ kind: 'header', addresses: { sourceAddress: '2001:db8::5', sourcePort: 1 } });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({ kind: 'header', version: 1, length: 15, addresses: null });
  });

  it('waits for more bytes, then refuses anything not exactly as specified', () => {
    expect(parseProxyHeader(Buffer.from('PRO'))).toEqual({ kind: 'incomplete' });
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4'))).toEqual({ kind: 'incomplete' });
    for (const bad of [
      'PROXY TCP4 1.2.3 10.0.0.1 1 2\r\n', 'PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n', 'PROXY TCP4 1.2.3.4 10.0.0.1 65536 2\r\n',
      'PROXY TCP4 1.2.3.4 10.0.0.1 01 2\r\n', 'PROXY TCP4  1.2.3.4 10.0.0.1 1 2\r\n', 'PROXY UDP4 1.2.3.4 10.0.0.1 1 2\r\n',
      'PROXY TCP4 1.2.3.4 10.0.0.1 1 2 extra\r\n', `PROXY TCP4 ${'1'.repeat(120)}`, 'SSH-2.0-OpenSSH\r\n',
    ]) expect(parseProxyHeader(Buffer.from(bad)).kind, bad).toBe('invalid');
  });
});

describe('PROXY protocol v2', () => {
  it('parses PROXY TCP4 and TCP6 with TLVs, and LOCAL', () => {
    const body4 = Buffer.from([192, 0, 2, 5, 10, 0, 0, 1, 0x9c, 0x40, 0x08, 0xae, /* TLV */ 0x04, 0x00, 0x01, 0x00]);
    const buf = Buffer.concat([v2(0x21, 0x11, body4), Buffer.from('SSH-2.0-x\r\n')]);
    expect(parseProxyHeader(buf)).toEqual({ kind: 'header', version: 2, length: 32, addresses: { sourceAddress: '192.0.2.5', sourcePort: 40000, destAddress: '10.0.0.1', destPort: 2222 } });
    const src6 = Buffer.from('20010db8000000000000000000000005', 'hex');
    const dst6 = Buffer.from('00000000000000000000ffff0a000001', 'hex');
    const r6 = parseProxyHeader(v2(0x21, 0x21, Buffer.concat([src6, dst6, Buffer.from([0, 1, 0, 22])])));
    expect(r6).toMatchObject({ kind: 'header', addresses: { sourceAddress: '2001:db8::5', destAddress: '10.0.0.1', sourcePort: 1, destPort: 22 } });
    expect(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0)))).toEqual({ kind: 'header', version: 2, length: 16, addresses: null });
  });

  it('waits for the whole declared length and refuses bad versions, commands, families and sizes', () => {
    const full = v2(0x21, 0x11, Buffer.alloc(12));
    expect(parseProxyHeader(full.subarray(0, 20))).toEqual({ kind: 'incomplete' });
    expect(parseProxyHeader(full.subarray(0, 5))).toEqual({ kind: 'incomplete' });
    expect(parseProxyHeader(v2(0x11, 0x11, Buffer.alloc(12))).kind).toBe('invalid');
    expect(parseProxyHeader(v2(0x22, 0x11, Buffer.alloc(12))).kind).toBe('invalid');
    expect(parseProxyHeader(v2(0x21, 0x12, Buffer.alloc(12))).kind).toBe('invalid'); // UDP
    expect(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216))).kind).toBe('invalid'); // unix
    expect(parseProxyHeader(v2(0x21, 0x11, Buffer.alloc(8))).kind).toBe('invalid');
    expect(parseProxyHeader(v2(0x21, 0x11, Buffer.alloc(5000))).kind).toBe('invalid');
  });

  it('recognises a header by its first bytes', () => {
    expect(looksLikeProxyHeader(Buffer.from('PROX'))).toBe(true);
    expect(looksLikeProxyHeader(V2_SIGNATURE.subarray(0, 3))).toBe(true);
    expect(looksLikeProxyHeader(Buffer.from('SSH-2.0-'))).toBe(false);
  });
});
