/**
 * Who may play (and list) a recording, in the policy's terms: its owner always; anyone else
 * needs the `recordings` action (allow.recordings), and the recording's namespace must be inside
 * their `allow.namespaces` when the config narrows them (a user kept to staging does not read
 * prod sessions through recordings).
 */
import type { UserConfig } from '../config/types.ts';
import { mayDo, mayUseNamespace } from '../policy/index.ts';
import type { CastHeaderInfo } from './cast-reader.ts';

export type RecordingAccess = { allowed: true; as: 'owner' | 'allow.recordings' } | { allowed: false; decision: ReturnType<typeof mayDo> };

export function recordingAccess(user: UserConfig, header: Pick<CastHeaderInfo, 'owner' | 'namespace'>): RecordingAccess {
  if (header.owner === user.name) return { allowed: true, as: 'owner' };
  for (const decision of [mayDo(user, 'recordings'), mayUseNamespace(user, header.namespace ?? 'unknown')]) {
    if (!decision.allowed) return { allowed: false, decision };
  }
  return { allowed: true, as: 'allow.recordings' };
}
