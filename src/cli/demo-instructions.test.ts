import { describe, expect, it } from 'vitest';
import { demoInstructions } from './demo-instructions.ts';

describe('demoInstructions', () => {
  const base = { key: '.podgate-demo/demo_ed25519', pod: 'web-7d9f', metrics: { host: '127.0.0.1', port: 9999 }, log: 'x.log', kubeconfigOut: null, apiUrl: 'https://127.0.0.1:1' };

  it('puts the exact ssh line right after "Try:"', () => {
    const lines = demoInstructions({ ...base, ssh: { host: '127.0.0.1', port: 2222 } });
    expect(lines[lines.indexOf('Try:') + 1]).toBe(
      '  ssh -i .podgate-demo/demo_ed25519 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p 2222 demo+web-7d9f@127.0.0.1',
    );
    expect(lines).toContain('  curl http://127.0.0.1:9999/metrics');
  });

  it('tells users to connect to loopback when listening on every address', () => {
    const lines = demoInstructions({ ...base, ssh: { host: '0.0.0.0', port: 22 }, kubeconfigOut: 'kc' });
    expect(lines[lines.indexOf('Try:') + 1]).toMatch(/ demo\+web-7d9f@127\.0\.0\.1$/);
    expect(lines).toContain('  kubectl --kubeconfig kc get pods -A');
  });
});
