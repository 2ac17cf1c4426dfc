import { describe, expect, it } from 'vitest';
import { Opcode, WsFrameParser } from './ws-frame-parser.ts';

/** A server frame (unmasked) as bytes. */
function frame(opcode: number, payload: Buffer, fin = true, extra = 0): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const h = Buffer.alloc(2 + ext);
  h[0] = (fin ? 0x80 : 0) | extra | opcode;
  if (ext === 0) h[1] = len;
  else if (ext === 2) { h[1] = 126; h.writeUInt16BE(len, 2); } else { h[1] = 127; h.writeUInt32BE(0, 2); h.writeUInt32BE(len, 6); }
  return Buffer.concat([h, payload]);
}

interface Seen { pieces: { piece: Buffer; start: boolean; text: boolean }[]; controls: [number, string][]; errors: string[] }

function parser(max = 1 << 20): { p: WsFrameParser; seen: Seen } {
  const seen: Seen = { pieces: [], controls: [], errors: [] };
  const p = new WsFrameParser({
    data: (piece, start, text) => seen.pieces.push({ piece, start, text }),
    control: (op, payload) => seen.controls.push([op, payload.toString('hex')]),
    error: (err) => seen.errors.push(err.message),
  }, max);
  return { p, seen };
}

/** Feeds `bytes` in chunks of `size`. */
function feed(p: WsFrameParser, bytes: Buffer, size: number): void {
  for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size));
}

describe('WsFrameParser', () => {
  it('hands each message on as slices of the chunks, whatever the chunking, without copying', () => {
    const payloads = [Buffer.alloc(5, 1), Buffer.alloc(300, 2), Buffer.alloc(70_000, 3), Buffer.alloc(0)];
    const wire = Buffer.concat(payloads.map((p) => frame(Opcode.binary, p)));
    for (const size of [1, 3, 7, 16_384, wire.length]) {
      const { p, seen } = parser();
      feed(p, wire, size);
      expect(seen.errors).toEqual([]);
      const messages: Buffer[][] = [];
      for (const x of seen.pieces) {
        if (x.start) messages.push([]);
        messages.at(-1)!.push(x.piece);
      }
      expect(messages.map((m) => Buffer.concat(m))).toEqual(payloads);
      // Zero-copy: every non-empty piece shares the wire's memory.
      expect(seen.pieces.every((x) => x.piece.length === 0 || x.piece.buffer === wire.buffer)).toBe(true);
    }
  });

  it('joins a fragmented message and passes control frames between its fragments', () => {
    const wire = Buffer.concat([
      frame(Opcode.binary, Buffer.from('ab'), false),
      frame(Opcode.ping, Buffer.from('hi')),
      frame(Opcode.continuation, Buffer.from('cd'), true),
      frame(Opcode.text, Buffer.from('t')),
      frame(Opcode.close, Buffer.from([0x03, 0xe8])),
    ]);
    const { p, seen } = parser();
    feed(p, wire, 1);
    expect(seen.errors).toEqual([]);
    expect(seen.controls).toEqual([[Opcode.ping, '6869'], [Opcode.close, '03e8']]);
    const starts = seen.pieces.filter((x) => x.start).map((x) => x.text);
    expect(starts).toEqual([false, true]);
    expect(Buffer.concat(seen.pieces.filter((x) => !x.text).map((x) => x.piece)).toString()).toBe('abcd');
  });

  it.each([
    ['a masked frame', Buffer.from([0x82, 0x81, 0, 0, 0, 0, 7])],
    ['an extension bit', frame(Opcode.binary, Buffer.from('x'), true, 0x40)],
    ['an unknown opcode', frame(3, Buffer.from('x'))],
    ['a fragmented ping', frame(Opcode.ping, Buffer.from('x'), false)],
    ['a long control frame', frame(Opcode.pong, Buffer.alloc(126))],
    ['a stray continuation', frame(Opcode.continuation, Buffer.from('x'))],
    ['a message inside a message', Buffer.concat([frame(Opcode.binary, Buffer.from('a'), false), frame(Opcode.binary, Buffer.from('b'))])],
    ['a message over the limit', frame(Opcode.binary, Buffer.alloc(1025))],
    ['fragments over the limit together', Buffer.concat([frame(Opcode.binary, Buffer.alloc(600), false), frame(Opcode.continuation, Buffer.alloc(600))])],
    ['an absurd 64-bit length', Buffer.from([0x82, 127, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])],
  ])('stops at %s', (_what, wire) => {
    const { p, seen } = parser(1024);
    feed(p, Buffer.concat([wire, frame(Opcode.binary, Buffer.from('after'))]), 1);
    expect(seen.errors).toHaveLength(1);
    expect(p.failed).toBe(true);
    expect(seen.pieces.some((x) => x.piece.toString() === 'after')).toBe(false);
  });
});
