import { describe, expect, it } from 'vitest';
import { isPodLoopback, isValidPort } from './destination.ts';

describe('forward destination', () => {
  it('serves only the pod loopback names', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '::1']) expect(isPodLoopback(h)).toBe(true);
    for (const h of ['10.0.0.1', '127.0.0.2', 'example.com', 'web.prod', '0.0.0.0', '', '::']) expect(isPodLoopback(h)).toBe(false);
  });
  it('checks port ranges', () => {
    expect(isValidPort(1)).toBe(true);
    expect(isValidPort(65535)).toBe(true);
    expect(isValidPort(0)).toBe(false);
    expect(isValidPort(65536)).toBe(false);
    expect(isValidPort(1.5)).toBe(false);
  });
});
