/** A `host:port` listen address (`[v6]:port` for IPv6). Port 0 asks the OS for a free port. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `host:port`; returns an error message instead of throwing. */
export function parseListen(text: string): ListenAddress | { error: string } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  if (!m) return { error: `"${text}" is not host:port (e.g. 0.0.0.0:2222 or [::]:2222)` };
  const port = Number(m[3]);
  if (port > 65535) return { error: `port ${port} is out of range (0-65535)` };
  return { host: (m[1] ?? m[2]), port };
}

/** Like parseListen, but throws (for values already validated by the config loader). */
export function mustParseListen(text: string): ListenAddress {
  const parsed = parseListen(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}
