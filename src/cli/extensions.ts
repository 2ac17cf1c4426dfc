/**
 * The feature handlers the composition root passes to startBastion (src/session/extensions.ts):
 * SFTP and scp, the bastion console, port forwarding. Each comes from its own area; a feature
 * whose module is not in this build is simply not registered (podgate then refuses it).
 */
import type { Extensions } from '../session/extensions.ts';
import { filesExtensions } from '../files/index.ts';
import { forwardExtensions } from '../forward/index.ts';
import { consoleHandler } from '../console/index.ts';

export async function loadExtensions(): Promise<Partial<Extensions>> {
  return { ...filesExtensions(), ...forwardExtensions(), console: consoleHandler };
}
