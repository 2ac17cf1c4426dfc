/**
 * Why a session ended: the one list the session, its timers, shutdown, the audit event
 * SESSION_END and the `podgate_sessions_total{reason}` metric all use.
 */
export const END_REASONS = ['exit', 'client-closed', 'idle-timeout', 'max-time', 'shutdown', 'user-removed', 'error',
  // sessions that outlive a connection: a detached session or lingering processes nobody came back for
  'detach-expired'] as const;

export type EndReason = (typeof END_REASONS)[number];

/** Reasons for which podgate itself ends a running session (and tells the user why). */
export type TerminateReason = Extract<EndReason, 'shutdown' | 'idle-timeout' | 'max-time' | 'user-removed'>;
