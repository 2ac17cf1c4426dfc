/**
 * Text that may reach a user's terminal, made inert: C0 and C1 control characters (ESC, BEL,
 * CSI…) except tab and newline, DEL, and Unicode direction overrides become visible escapes
 * (`\x1b`, `\u202e`). Error messages quote what the client sent (a target, a command); without
 * this an SSH user name could carry escape sequences that retitle, clear or rewrite the
 * terminal showing the error.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
