/**
 * Field descriptors for the event catalogue: each names a TypeScript type (so emission sites
 * are type-checked) and carries the one-line description docs/events.md shows.
 */
export interface FieldSpec<T, O extends boolean = boolean> {
  readonly doc: string;
  readonly optional: O;
  /** Phantom: only its type is used. */
  readonly _type?: T;
}

const required = <T>(doc: string): FieldSpec<T, false> => ({ doc, optional: false });

export const f = {
  str: (doc: string) => required<string>(doc),
  num: (doc: string) => required<number>(doc),
  bool: (doc: string) => required<boolean>(doc),
  /** A string, or null when it does not apply. */
  strOrNull: (doc: string) => required<string | null>(doc),
  numOrNull: (doc: string) => required<number | null>(doc),
  oneOf: <T extends string>(doc: string, values: readonly T[]) => required<T>(`${doc}: ${values.map((v) => `\`${v}\``).join(', ')}`),
  /** Any JSON value (objects, arrays, errors). */
  any: (doc: string) => required<unknown>(doc),
  /** Marks a field as possibly absent. */
  opt: <T>(s: FieldSpec<T, false>): FieldSpec<T, true> => ({ doc: s.doc, optional: true }),
};

type TypeOf<S> = S extends FieldSpec<infer T, boolean> ? T : never;

/** The object type an emission site must pass for a field spec map. */
export type FieldsOf<S> = {
  [K in keyof S as S[K] extends FieldSpec<unknown, true> ? never : K]: TypeOf<S[K]>;
} & {
  [K in keyof S as S[K] extends FieldSpec<unknown, true> ? K : never]?: TypeOf<S[K]> | undefined;
};
