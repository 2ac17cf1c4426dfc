import { describe, expect, it } from 'vitest';
import { parseServerVersion, versionInfo, websocketUpgradeNeedsCreate } from './server-version.ts';

describe('server version', () => {
  it('parses the forms a fixture or flag may use', () => {
    expect(parseServerVersion('v1.33.4')).toEqual({ major: 1, minor: 33, patch: 4 });
    expect(parseServerVersion('1.35')).toEqual({ major: 1, minor: 35, patch: 0 });
    expect(() => parseServerVersion('latest')).toThrow(/1\.35/);
  });

  it('asks create on WebSocket upgrades from 1.35 on, as AuthorizePodWebsocketUpgradeCreatePermission does', () => {
    expect(websocketUpgradeNeedsCreate(parseServerVersion('1.34.9'))).toBe(false);
    expect(websocketUpgradeNeedsCreate(parseServerVersion('1.35.0'))).toBe(true);
  });

  it('reports the version kubectl reads to pick its protocol', () => {
    expect(versionInfo(parseServerVersion('1.35.1'))).toMatchObject({ major: '1', minor: '35', gitVersion: 'v1.35.1' });
  });
});
