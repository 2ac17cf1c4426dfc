/** The forwarding area's extensions for the composition root (src/cli/extensions.ts). */
import type { Extensions } from '../session/extensions.ts';
import { createDirectTcpipHandler } from './direct-tcpip.ts';

export function forwardExtensions(): Pick<Extensions, 'directTcpip'> {
  return { directTcpip: createDirectTcpipHandler() };
}
