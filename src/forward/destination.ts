/**
 * Which direct-tcpip destinations podgate serves: only the target pod's own loopback
 * (`localhost`, `127.0.0.1`, `::1`). Anything else is refused: a bastion is not an open proxy.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isPodLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
