/** A reader for SSH wire-format data (RFC 4251 §5): uint32, uint64, string, name-list. */
export class SshReader {
  #pos = 0;
  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.#pos;
  }

  get done(): boolean {
    return this.#pos === this.buf.length;
  }

  uint32(): number {
    if (this.#pos + 4 > this.buf.length) throw new Error('truncated uint32');
    const v = this.buf.readUInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }

  uint64(): bigint {
    if (this.#pos + 8 > this.buf.length) throw new Error('truncated uint64');
    const v = this.buf.readBigUInt64BE(this.#pos);
    this.#pos += 8;
    return v;
  }

  string(): Buffer {
    const len = this.uint32();
    if (this.#pos + len > this.buf.length) throw new Error('truncated string');
    const v = this.buf.subarray(this.#pos, this.#pos + len);
    this.#pos += len;
    return v;
  }

  text(): string {
    return this.string().toString('utf8');
  }
}

/** SSH `string` encoding of each part, concatenated. */
export function sshStrings(...parts: (Buffer | string)[]): Buffer {
  return Buffer.concat(parts.flatMap((p) => {
    const b = typeof p === 'string' ? Buffer.from(p) : p;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return [len, b];
  }));
}
