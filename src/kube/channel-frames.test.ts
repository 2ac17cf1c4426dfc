import { describe, expect, it } from 'vitest';
import { closeFrame, dataFrame, decodeFrame, portPrefixStripper, resizeFrame } from './channel-frames.ts';
import { outcomeFromStatus } from './exec-status.ts';

describe('channel frames', () => {
  it('encodes data, CLOSE and resize as kubectl does', () => {
    expect([...dataFrame(0, Buffer.from('hi'))]).toEqual([0, 104, 105]);
    expect([...closeFrame(0)]).toEqual([255, 0]);
    const r = resizeFrame(132, 43);
    expect(r[0]).toBe(4);
    expect(JSON.parse(r.subarray(1).toString())).toEqual({ Width: 132, Height: 43 });
  });

  it('decodes channel and payload, skipping empty messages', () => {
    expect(decodeFrame(Buffer.alloc(0))).toBeNull();
    const f = decodeFrame(Buffer.from([2, 65]));
    expect(f?.channel).toBe(2);
    expect(f?.payload.toString()).toBe('A');
  });

  it('strips the 2-byte port prefix once, even when split across frames', () => {
    const strip = portPrefixStripper();
    expect(strip(Buffer.from([0x28])).length).toBe(0);
    expect(strip(Buffer.from([0x23, 0x41, 0x42])).toString()).toBe('AB');
    expect(strip(Buffer.from('CD')).toString()).toBe('CD');
  });
});

describe('outcomeFromStatus', () => {
  it('reads Success and NonZeroExitCode', () => {
    expect(outcomeFromStatus('{"metadata":{},"status":"Success"}')).toEqual({ exitCode: 0 });
    const st = {
      metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: exit 3', reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    };
    expect(outcomeFromStatus(JSON.stringify(st))).toEqual({ exitCode: 3 });
  });

  it('maps container not found to POD_NOT_RUNNING and others to API_ERROR', () => {
    const nf = outcomeFromStatus(JSON.stringify({
      status: 'Failure', reason: 'InternalError', code: 500,
      message: 'Internal error occurred: unable to upgrade connection: container not found ("app")',
    }));
    expect('error' in nf && nf.error.code).toBe('POD_NOT_RUNNING');
    const other = outcomeFromStatus(JSON.stringify({ status: 'Failure', reason: 'InternalError', message: 'boom' }));
    expect('error' in other && other.error.code).toBe('API_ERROR');
    expect('error' in other && other.error.operatorMessage).toContain('boom');
  });
});

describe('masking', () => {
  it('ws finds the native mask (bufferutil): client frames must be masked, and JS masking caps stdin', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const wsDir = require.resolve('ws').replace(/index\.js$/, '');
    const fromWs = createRequire(`${wsDir}lib/buffer-util.js`);
    const native = fromWs('bufferutil') as { mask: unknown };
    expect(typeof native.mask).toBe('function');
  });
});
