/**
 * Quoting for the line protocol of the in-container helper. Paths travel as "binary" strings
 * (one char per byte, latin1), so every byte except NUL survives exactly. Each argument becomes
 * single-quoted text; a newline is written as '"$NL"' (the helper defines NL) so that one
 * request is always one line. Nothing is ever interpolated unquoted.
 */
export function shQuote(arg: string | number): string {
  const s = String(arg);
  if (s.includes('\0')) throw new RangeError('NUL byte in a shell argument');
  return `'${s.replace(/'/g, `'\\''`).replace(/\n/g, `'"$NL"'`)}'`;
}

/** One request line: words quoted and joined, ending in a newline. */
export function shLine(words: ReadonlyArray<string | number>): string {
  return `${words.map(shQuote).join(' ')}\n`;
}
