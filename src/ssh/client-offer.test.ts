import { describe, expect, it } from 'vitest';
import { parseClientOffer } from './client-offer.ts';

function nameList(names: string[]): Buffer {
  const s = Buffer.from(names.join(','), 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(s.length);
  return Buffer.concat([len, s]);
}

/** An ident line plus one unencrypted KEXINIT packet, as a client sends them. */
function opening(lists: string[][], preamble = ''): Buffer {
  const payload = Buffer.concat([Buffer.from([20]), Buffer.alloc(16, 7), ...lists.map(nameList), Buffer.from([0, 0, 0, 0, 0])]);
  const pad = 8 - ((payload.length + 5) % 8) + 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + pad + 1);
  head[4] = pad;
  return Buffer.concat([Buffer.from(`${preamble}SSH-2.0-Test_1.0 x\r\n`), head, payload, Buffer.alloc(pad)]);
}

const LISTS = [['curve25519-sha256', 'ext-info-c'], ['ssh-ed25519'], ['aes256-cbc'], ['aes256-cbc'], ['hmac-sha1'], ['hmac-sha1'], ['none'], ['none'], [], []];

describe('parseClientOffer', () => {
  it('reads the version line and the KEXINIT name-lists', () => {
    expect(parseClientOffer(opening(LISTS))).toEqual({
      version: 'SSH-2.0-Test_1.0 x',
      kex: ['curve25519-sha256', 'ext-info-c'],
      hostKey: ['ssh-ed25519'],
      cipher: ['aes256-cbc'],
      mac: ['hmac-sha1'],
      compress: ['none'],
    });
  });

  it('skips lines before the version line', () => {
    expect(parseClientOffer(opening(LISTS, 'hello\r\n'))).toMatchObject({ version: 'SSH-2.0-Test_1.0 x' });
  });

  it('waits for more bytes while the packet is incomplete, at every cut', () => {
    const whole = opening(LISTS);
    for (let n = 0; n < whole.length; n++) expect(parseClientOffer(whole.subarray(0, n))).toBeNull();
  });

  it('gives up on a packet that is not a KEXINIT or whose lists overrun it', () => {
    const notKex = opening(LISTS);
    notKex[notKex.indexOf(0x0a) + 6] = 21;
    expect(parseClientOffer(notKex)).toBe('invalid');
    const overrun = opening(LISTS);
    overrun.writeUInt32BE(0x7fff, overrun.indexOf(0x0a) + 6 + 17);
    expect(parseClientOffer(overrun)).toBe('invalid');
    const huge = Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), Buffer.from([0xff, 0xff, 0xff, 0xff, 4])]);
    expect(parseClientOffer(huge)).toBe('invalid');
  });
});
