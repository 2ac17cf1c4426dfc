import { attrsLength, writeAttrs, type Attrs } from './attrs.ts';
import { EXTENSIONS, PKT } from './constants.ts';

/** Builds one SFTP packet: fields are appended, `done()` prefixes the length. */
export class PacketBuilder {
  #parts: Buffer[] = [];
  #len = 0;

  constructor(type: number, id?: number) {
    this.u8(type);
    if (id !== undefined) this.u32(id);
  }

  #push(b: Buffer): this { this.#parts.push(b); this.#len += b.length; return this; }
  u8(v: number): this { const b = Buffer.allocUnsafe(1); b[0] = v; return this.#push(b); }
  u32(v: number): this { const b = Buffer.allocUnsafe(4); b.writeUInt32BE(v >>> 0, 0); return this.#push(b); }
  u64(v: number): this { const b = Buffer.allocUnsafe(8); b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(v))), 0); return this.#push(b); }
  bytes(v: Buffer): this { this.u32(v.length); return this.#push(v); }
  /** Binary strings (file names) go out byte for byte; `utf8` for human text. */
  string(v: string, enc: 'latin1' | 'utf8' = 'latin1'): this { return this.bytes(Buffer.from(v, enc)); }
  attrs(a: Attrs): this { const b = Buffer.allocUnsafe(attrsLength(a)); writeAttrs(b, 0, a); return this.#push(b); }

  done(): Buffer {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(this.#len, 0);
    return Buffer.concat([head, ...this.#parts], 4 + this.#len);
  }
}

export function versionPacket(): Buffer {
  const p = new PacketBuilder(PKT.VERSION).u32(3);
  for (const [name, data] of EXTENSIONS) p.string(name).string(data);
  return p.done();
}

export function statusPacket(id: number, code: number, message: string): Buffer {
  return new PacketBuilder(PKT.STATUS, id).u32(code).string(message, 'utf8').string('').done();
}

export function handlePacket(id: number, handle: Buffer): Buffer {
  return new PacketBuilder(PKT.HANDLE, id).bytes(handle).done();
}

/** DATA without copying the payload. */
export function dataPacket(id: number, data: Buffer): Buffer[] {
  const head = Buffer.allocUnsafe(13);
  head.writeUInt32BE(9 + data.length, 0);
  head[4] = PKT.DATA;
  head.writeUInt32BE(id, 5);
  head.writeUInt32BE(data.length, 9);
  return [head, data];
}

export function namePacket(id: number, entries: ReadonlyArray<{ filename: string; longname: string; attrs: Attrs }>): Buffer {
  const p = new PacketBuilder(PKT.NAME, id).u32(entries.length);
  for (const e of entries) p.string(e.filename).string(e.longname).attrs(e.attrs);
  return p.done();
}

export function attrsPacket(id: number, a: Attrs): Buffer {
  return new PacketBuilder(PKT.ATTRS, id).attrs(a).done();
}
