/**
 * WebSocket subprotocols of remotecommand and port-forward, and their framing: binary frames
 * `[channel] + payload`, or for the base64 variants text frames `'0'+channel` + base64 payload.
 */
type ProtocolVersion = 'v1' | 'v4' | 'v5';
export type Codec = 'binary' | 'base64';

export interface Negotiated {
  /** The value echoed in Sec-WebSocket-Protocol ('' when none was offered). */
  name: string;
  version: ProtocolVersion;
  codec: Codec;
}

const KNOWN: Record<string, Omit<Negotiated, 'name'>> = {
  '': { version: 'v1', codec: 'binary' },
  'channel.k8s.io': { version: 'v1', codec: 'binary' },
  'base64.channel.k8s.io': { version: 'v1', codec: 'base64' },
  'v4.channel.k8s.io': { version: 'v4', codec: 'binary' },
  'v4.base64.channel.k8s.io': { version: 'v4', codec: 'base64' },
  'v5.channel.k8s.io': { version: 'v5', codec: 'binary' },
};

/** What the kubelet's exec/attach handler accepts (no v5: that lives in the API server). */
export const KUBELET_EXEC_PROTOCOLS = ['', 'channel.k8s.io', 'base64.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];
/** What the API server's StreamTranslator accepts. */
export const TRANSLATOR_EXEC_PROTOCOLS = ['v5.channel.k8s.io'];
/** What the kubelet's port-forward WebSocket handler accepts. */
export const PORTFORWARD_PROTOCOLS = ['', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** Parses the Sec-WebSocket-Protocol header into the client's ordered offer. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** wsstream's rule: no offer means ''; else the first offered protocol the server supports. */
export function negotiate(offered: string[], supported: string[]): Negotiated | null {
  const candidates = offered.length === 0 ? [''] : offered;
  for (const name of candidates) {
    const known = KNOWN[name];
    if (supported.includes(name) && known) return { name, ...known };
  }
  return null;
}

export function encodeFrame(codec: Codec, channel: number, data: Buffer): Buffer | string {
  if (codec === 'base64') return String.fromCharCode(48 + channel) + data.toString('base64');
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

export interface Frame {
  channel: number;
  data: Buffer;
}

/** Decodes a client frame; null for an empty frame (skipped, as wsstream does). */
export function decodeFrame(codec: Codec, raw: Buffer, isBinary: boolean): Frame | null {
  if (raw.length === 0) return null;
  if (codec === 'base64' && !isBinary) {
    const text = raw.toString('latin1');
    return { channel: text.charCodeAt(0) - 48, data: Buffer.from(text.slice(1), 'base64') };
  }
  return { channel: raw[0] ?? 0, data: raw.subarray(1) };
}
