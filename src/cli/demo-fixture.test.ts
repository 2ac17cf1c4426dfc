import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO_FIXTURE } from './demo.ts';
import { readDemoFixture } from './demo-fixture.ts';

describe('readDemoFixture', () => {
  it('finds podgate\'s token, an admin token, the demo identity and web-7d9f in the demo fixture', async () => {
    const facts = await readDemoFixture(DEMO_FIXTURE);
    expect(facts.podgateToken).not.toBe('');
    expect(facts.adminToken).not.toBeNull();
    expect(facts.identity).toEqual({ user: 'demo', groups: [] });
    expect(facts.pods).toContain('default/web-7d9f');
  });

  it('falls back to the first bound user for another fixture', async () => {
    const facts = await readDemoFixture(fileURLToPath(new URL('../../test/fixtures/cluster.yaml', import.meta.url)));
    expect(facts.podgateToken).toBe('podgate-token');
    expect(facts.adminToken).toBe('admin-token');
    expect(facts.identity.user).not.toMatch(/^system:/);
  });
});
