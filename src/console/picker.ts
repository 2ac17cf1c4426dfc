/**
 * The interactive console (a PTY and no command): who you are, the pods you may enter, and a
 * picker. It draws on the alternate screen and always restores the terminal (main screen,
 * cursor shown) before it returns, whether the user picks, quits or disconnects. Picking a
 * pod opens a shell in it in the same SSH session, through the session bridge (`ctx.enter`).
 */
import type { SessionChannel } from '../ssh/types.ts';
import type { ConsoleContext, HandlerOutcome } from '../session/extensions.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import { parseTarget } from '../target/grammar.ts';
import { decodeKeys, PickerState } from './picker-state.ts';
import type { PodRow } from './pods.ts';
import type { WhoAmI } from './whoami.ts';
import { emit } from '../events/emit.ts';

const ENTER_ALT = '\x1b[?1049h\x1b[?25l';
const LEAVE_ALT = '\x1b[0m\x1b[?25h\x1b[?1049l';

/** `whos`: one per cluster listed (docs/clusters.md); `failed`: clusters that could not be listed. */
export async function runPicker(ch: SessionChannel, ctx: ConsoleContext, whos: WhoAmI[], rows: PodRow[], failed: string[] = []): Promise<HandlerOutcome> {
  const who = whos[0] ?? { user: ctx.user.name, identity: ctx.identity, namespaces: [] };
  const groups = who.identity.groups.length > 0 ? ` [${who.identity.groups.join(', ')}]` : '';
  const namespaces = whos.length > 1 ? whos.map((w) => `${w.cluster ?? ''}: ${w.namespaces.join(', ') || '(none)'}`).join('; ') : who.namespaces.join(', ') || '(none)';
  const state = new PickerState(rows, [
    `podgate: signed in as ${who.user} (Kubernetes: ${who.identity.user}${groups})`,
    `allowed namespaces: ${namespaces}; ${rows.length} pod(s) you may enter`,
    ...(failed.length > 0 ? [`not listed (cluster unreachable): ${failed.join(', ')}`] : []),
  ]);
  let size = { cols: ctx.pty?.cols || 80, rows: ctx.pty?.rows || 24 };
  // Every key and window-change redraws the whole screen. While the client is not reading
  // (its window is full) only the latest screen is drawn once the channel drains: a flood of
  // window-changes, which no SSH window limits, must not queue screen after screen.
  let waitingDrain = false;
  let stale = false;
  const draw = (): void => {
    if (!ch.writable) return;
    if (waitingDrain) { stale = true; return; }
    if (ch.write(state.render(size.cols, size.rows))) return;
    waitingDrain = true;
    ch.once('drain', () => {
      waitingDrain = false;
      if (stale) { stale = false; draw(); }
    });
  };

  const picked = await new Promise<PodRow | null>((resolve) => {
    let done = false;
    const finish = (row: PodRow | null): void => {
      if (done) return;
      done = true;
      ch.off('data', onData);
      ctx.closed.removeEventListener('abort', onClose);
      // Hold what the user types next until the shell's bridge reads it.
      ch.pause();
      if (ch.writable) ch.write(LEAVE_ALT);
      resolve(row);
    };
    const onData = (d: Buffer): void => {
      for (const key of decodeKeys(d.toString('utf8'))) {
        const r = state.handle(key, state.pageSize(size.rows));
        if (r.type === 'quit') return finish(null);
        if (r.type === 'pick') return finish(r.row);
      }
      draw();
    };
    const onClose = (): void => finish(null);
    ctx.onResize((s) => {
      size = { cols: s.cols, rows: s.rows };
      if (!done) draw();
    });
    ch.on('data', onData);
    if (ctx.closed.aborted) return finish(null);
    ctx.closed.addEventListener('abort', onClose, { once: true });
    ch.write(ENTER_ALT);
    draw();
  });

  if (!picked) {
    await finishChannel(ch, 0);
    return { exitCode: 0 };
  }
  emit(ctx.logger, { code: 'CONSOLE_COMMAND', connId: ctx.connId, user: ctx.user.name, command: 'pick', args: [picked.target], result: 'ok' }, 'console pick');
  const spec = parseTarget(picked.target.slice(picked.target.indexOf('+') + 1));
  if (!ctx.enter) {
    await finishChannel(ch, 0, `podgate: connect with: ssh ${picked.target}@<bastion>\r\n`);
    return { exitCode: 0 };
  }
  return ctx.enter(spec);
}
