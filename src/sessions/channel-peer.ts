/**
 * An SSH session channel as a client terminal of a live session, and how such a channel ends
 * when it stops being attached (or watching): the exit status and the one `podgate:` line.
 */
import { finishChannel } from '../ssh/finish-channel.ts';
import type { SessionChannel, WindowSize } from '../ssh/types.ts';
import type { AttachEnd, TerminalPeer } from './types.ts';

export function channelPeer(ch: SessionChannel, size: WindowSize): TerminalPeer {
  return {
    stream: ch,
    cols: size.cols,
    rows: size.rows,
    notice(text) {
      // Under a PTY the client's terminal is in raw mode: CRLF.
      if (!ch.destroyed && ch.stderr.writable) ch.stderr.write(`\r\npodgate: ${text}\r\n`);
    },
  };
}

/** Ends `ch` as `end` says (a no-op when the channel is already gone). Returns the exit status. */
export async function finishJoined(ch: SessionChannel, end: AttachEnd): Promise<number | null> {
  switch (end.kind) {
    case 'exit':
      await finishChannel(ch, end.exitCode ?? 255);
      return end.exitCode;
    case 'taken':
      await finishChannel(ch, 255, 'podgate: this session was attached from another connection\r\n');
      return 255;
    case 'ended':
    case 'dropped':
      await finishChannel(ch, 255, `podgate: ${end.message}\r\n`);
      return 255;
    case 'left':
      // The client closed its channel (a no-op then), or a watcher pressed Ctrl-].
      await finishChannel(ch, 0);
      return 0;
  }
}
