/** The podgate command's exit statuses (README "Exit statuses", docs/errors.md). */
export const EXIT_OK = 0;
/** A runtime failure: a port cannot be bound, the emulator fails, an unexpected error. */
export const EXIT_FAILURE = 1;
/** Unusable input: invalid config, unreadable host key, bad command line. */
export const EXIT_INVALID = 2;
/** A second SIGTERM/SIGINT during shutdown. */
export const EXIT_FORCED = 130;
