/**
 * The channel framing of Kubernetes' remotecommand and port-forward WebSocket protocols:
 * every binary message is `[channel byte] + payload`, in both directions.
 */
export const Channel = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  error: 3,
  resize: 4,
  close: 255,
} as const;

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';

/** One data frame: the channel byte followed by the chunk (a copy; ws masks it anyway). */
export function dataFrame(channel: number, chunk: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(chunk.length + 1);
  frame[0] = channel;
  frame.set(chunk, 1);
  return frame;
}

/** v5 CLOSE: half-closes `channel` (the process reads EOF on stdin). */
export function closeFrame(channel: number): Buffer {
  return Buffer.from([Channel.close, channel]);
}

/** A resize message as kubectl sends it (the server matches keys case-insensitively). */
export function resizeFrame(cols: number, rows: number): Buffer {
  const body = JSON.stringify({ Width: clampUint16(cols), Height: clampUint16(rows) });
  return Buffer.concat([Buffer.from([Channel.resize]), Buffer.from(body, 'utf8')]);
}

function clampUint16(n: number): number {
  if (!Number.isFinite(n)) return 0;
  return Math.min(65535, Math.max(0, Math.floor(n)));
}

export interface Frame {
  channel: number;
  payload: Buffer;
}

/** Splits a received message; null for an empty message (no channel byte). */
export function decodeFrame(data: Buffer): Frame | null {
  if (data.length === 0) return null;
  return { channel: data[0], payload: data.subarray(1) };
}

/** Turns what `ws` hands to a 'message' listener into one Buffer. */
export function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Port-forward prefixes the first frame of each channel with the port (uint16 little endian).
 * Returns a function that strips those 2 bytes, even when they arrive split across frames.
 */
export function portPrefixStripper(): (payload: Buffer) => Buffer {
  let remaining = 2;
  return (payload) => {
    if (remaining === 0) return payload;
    const cut = Math.min(remaining, payload.length);
    remaining -= cut;
    return payload.subarray(cut);
  };
}
