import { describe, expect, it } from 'vitest';
import { parseListen } from './listen.ts';

describe('parseListen', () => {
  it('reads host:port, [v6]:port and port 0', () => {
    expect(parseListen('0.0.0.0:2222')).toEqual({ host: '0.0.0.0', port: 2222 });
    expect(parseListen('[::1]:22')).toEqual({ host: '::1', port: 22 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });

  it('rejects a missing port, a bare port, garbage and out-of-range ports', () => {
    for (const bad of ['0.0.0.0', ':2222', '2222', 'a b:1', 'host:70000', 'host:-1', '::1:22']) {
      expect(parseListen(bad), bad).toHaveProperty('error');
    }
  });
});
