import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.ts';

function issues(text: string): string[] {
  const r = parseConfig(text, '/etc/podgate/config.yaml');
  return 'issues' in r ? r.issues.map((i) => `${i.path}: ${i.message}`) : [];
}

describe('web.* config', () => {
  it('is off by default with its documented defaults', () => {
    const r = parseConfig('users: []\n', '/etc/podgate/config.yaml');
    expect('config' in r && r.config.web).toEqual({ listen: null, linkTtlSeconds: 60, maxPendingLinksPerUser: 5, trustedProxies: [] });
  });

  it('resolves tls paths against the config directory', () => {
    const r = parseConfig('web:\n  listen: "127.0.0.1:8443"\n  tls: { cert: tls/c.pem, key: /abs/k.pem }\n', '/etc/podgate/config.yaml');
    expect('config' in r && r.config.web.tls).toEqual({ cert: '/etc/podgate/tls/c.pem', key: '/abs/k.pem' });
  });

  it('needs publicUrl on a wildcard address, and an origin-only http(s) URL', () => {
    expect(issues('web:\n  listen: "0.0.0.0:8080"\n').join('\n')).toMatch(/web\.listen "0\.0\.0\.0:8080" needs web\.publicUrl/);
    expect(issues('web:\n  listen: "127.0.0.1:8080"\n')).toEqual([]);
    expect(issues('web:\n  listen: "0.0.0.0:8080"\n  publicUrl: https://bastion.example.com\n')).toEqual([]);
    expect(issues('web:\n  listen: "0.0.0.0:8080"\n  publicUrl: https://bastion.example.com/term\n').join('\n')).toMatch(/must be an origin only/);
    expect(issues('web:\n  listen: "0.0.0.0:8080"\n  publicUrl: ftp://x\n').join('\n')).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(issues('web:\n  listen: "nope"\n').join('\n')).toMatch(/is not host:port/);
    expect(issues('web:\n  trustedProxies: [10.0.0.0/99]\n').join('\n')).toMatch(/prefix length/);
    expect(issues('web:\n  linkTtlSeconds: 0\n').length).toBeGreaterThan(0);
    expect(issues('web:\n  tls: { cert: a.pem }\n').length).toBeGreaterThan(0);
  });
});
