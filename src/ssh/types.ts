/**
 * The SSH layer's contract with the rest of podgate (ContainerSSH style: one handler per
 * protocol scope). src/ssh/ knows ssh2 and nothing of Kubernetes; whoever implements these
 * interfaces knows nothing of ssh2. No method may throw; none may block the event loop.
 */
import type { Duplex, Writable } from 'node:stream';

/** Where a TCP connection came from (SSH_CONNECTION). */
export interface ConnectionInfo {
  connId: string;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** One authentication request, as the client sent it. */
export interface AuthRequest {
  /** The SSH user name exactly as typed (USER+TARGET). */
  username: string;
  method: string;
  /** For `publickey`: key, and a signature unless the client only asks whether it would do. */
  publicKey?: { algo: string; data: Buffer; hashAlgo?: string; signature?: Buffer; blob?: Buffer };
  /** Shows the client one line before the answer (a userauth banner): why a login is refused. */
  tell?: (text: string) => void;
}

/** Per TCP connection, before authentication. Created by `ServerHandler.onConnection`. */
export interface ConnectionHandler {
  /** Decides one attempt. A `false` counts toward the connection's maxAuthTries. */
  authenticate(req: AuthRequest): boolean;
  /** Authentication succeeded: returns the handler for the connection's channels. */
  onAuthenticated(username: string, control: ConnectionControl): AuthenticatedHandler;
  /** The connection is gone (for any reason); called once. */
  onClose(reason: string): void;
}

/** What an authenticated connection's owner may do to it. */
export interface ConnectionControl {
  /** Disconnects the client. */
  end(): void;
  /**
   * Runs a nested SSH server connection over `stream` (an accepted direct-tcpip channel): the
   * jump-host form `ssh -J alice@bastion web.prod`. The nested connection authenticates again
   * (publickey, as on the outer one); `handler` decides.
   */
  tunnel(stream: Duplex, info: ConnectionInfo, handler: ConnectionHandler): void;
}

export interface DirectTcpipRequest {
  destIP: string;
  destPort: number;
  srcIP: string;
  srcPort: number;
}

/** Per authenticated connection. */
export interface AuthenticatedHandler {
  /** A session channel was opened: its handler, or null to refuse the channel. */
  onSession(): SessionHandler | null;
  /**
   * direct-tcpip (`ssh -L`, `-D`, `-W`). When absent, no listener is registered and ssh2
   * refuses the channel type. `accept()` returns the channel as a Duplex.
   */
  onDirectTcpip?: (req: DirectTcpipRequest, accept: () => Duplex, reject: () => void) => void;
}

export interface PtyRequest {
  term: string;
  cols: number;
  rows: number;
  width: number;
  height: number;
}

export interface WindowSize {
  cols: number;
  rows: number;
}

/** A session's channel once shell/exec/subsystem was accepted: stdout, stdin, stderr, exit. */
export interface SessionChannel extends Duplex {
  readonly stderr: Writable;
  /** Sends exit-status. Must come before `end()` (see finishChannel). */
  exit(code: number): void;
}

export type SessionStart =
  | { type: 'shell' }
  | { type: 'exec'; command: string }
  | { type: 'subsystem'; name: string };

/** Per session channel; requests arrive in the order the client sent them. */
export interface SessionHandler {
  /** `env` request: true to accept (allow-list). */
  onEnv(name: string, value: string): boolean;
  /** `pty-req`: true to accept. */
  onPty(pty: PtyRequest): boolean;
  onWindowChange(size: WindowSize): void;
  /** Whether a subsystem of this name is served (decided before the channel is accepted). */
  canSubsystem(name: string): boolean;
  /** shell/exec/subsystem accepted; the handler owns the channel from now on. */
  onStart(start: SessionStart, channel: SessionChannel): void;
  /** The channel closed (client, connection or server); called once. */
  onClose(): void;
}

/** Creates one ConnectionHandler per accepted TCP connection. */
export interface ServerHandler {
  onConnection(info: ConnectionInfo): ConnectionHandler;
}
