/**
 * Just enough of Kubernetes' protobuf wire format to read the access-review bodies that
 * kubectl 1.33 sends as application/vnd.kubernetes.protobuf: the "k8s\0" envelope
 * (runtime.Unknown) and the authorization/v1 review messages. Responses stay JSON (kubectl
 * accepts it).
 */
type Field = Buffer | number;

export const K8S_PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

function fields(buf: Buffer): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated protobuf varint');
      const b = buf[i++];
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wt = key & 7;
    let val: Field;
    if (wt === 0) val = varint();
    else if (wt === 2) { const len = varint(); if (i + len > buf.length) throw new Error('truncated protobuf field'); val = buf.subarray(i, i + len); i += len; }
    else if (wt === 1) { i += 8; continue; }
    else if (wt === 5) { i += 4; continue; }
    else throw new Error(`unsupported protobuf wire type ${wt}`);
    const list = out.get(no) ?? [];
    list.push(val);
    out.set(no, list);
  }
  return out;
}

const str = (f: Map<number, Field[]>, n: number): string | undefined => {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
};
const strs = (f: Map<number, Field[]>, n: number): string[] => (f.get(n) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v)).map((b) => b.toString('utf8'));
const msg = (f: Map<number, Field[]>, n: number): Map<number, Field[]> | undefined => {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? fields(v) : undefined;
};

function named(f: Map<number, Field[]> | undefined, names: Record<number, string>): Record<string, string> | undefined {
  if (!f) return undefined;
  const out: Record<string, string> = {};
  for (const [n, k] of Object.entries(names)) { const v = str(f, Number(n)); if (v !== undefined) out[k] = v; }
  return out;
}

/** Decodes a SelfSubjectAccessReview / SubjectAccessReview / LocalSubjectAccessReview body. */
export function decodeReview(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new Error('protobuf body without the k8s envelope');
  const unknown = fields(body.subarray(4));
  const typeMeta = msg(unknown, 1);
  const raw = unknown.get(2)?.[0];
  if (!Buffer.isBuffer(raw)) throw new Error('protobuf envelope without raw data');
  const obj = fields(raw);
  const meta = named(msg(obj, 1), { 1: 'name', 3: 'namespace' }) ?? {};
  const specF = msg(obj, 2);
  const spec: Record<string, unknown> = {};
  const kind = typeMeta ? str(typeMeta, 2) : undefined;
  if (specF && kind === 'SelfSubjectRulesReview') {
    const ns = str(specF, 1);
    if (ns !== undefined) spec.namespace = ns;
  } else if (specF) {
    const ra = named(msg(specF, 1), { 1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name' });
    const na = named(msg(specF, 2), { 1: 'path', 2: 'verb' });
    if (ra) spec.resourceAttributes = ra;
    if (na) spec.nonResourceAttributes = na;
    const user = str(specF, 3);
    if (user !== undefined) spec.user = user;
    const groups = strs(specF, 4);
    if (groups.length > 0) spec.groups = groups;
    const extra: Record<string, string[]> = {};
    for (const e of (specF.get(5) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v))) {
      const ef = fields(e);
      const k = str(ef, 1);
      const v = msg(ef, 2);
      if (k !== undefined) extra[k] = v ? strs(v, 1) : [];
    }
    if (Object.keys(extra).length > 0) spec.extra = extra;
    const uid = str(specF, 6);
    if (uid !== undefined) spec.uid = uid;
  }
  return {
    apiVersion: typeMeta ? str(typeMeta, 1) : undefined,
    kind,
    metadata: meta,
    spec,
  };
}
