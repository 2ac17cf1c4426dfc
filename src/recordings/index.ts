/**
 * Session recordings (docs/recordings.md): the recorder the session layer feeds, and retention
 * of the recordings directory. `play` is a console command (./play.ts).
 */
import type { Logger } from 'pino';
import type { RecordingsConfig } from '../config/types.ts';
import { Recorder } from './recorder.ts';
import { startRetention } from './retention.ts';

export interface Recordings {
  recorder: Recorder;
  /** Stops retention and waits for recordings being closed to reach the disk. */
  close(): Promise<void>;
}

/** `config` is read at each retention pass, so a reload applies to the next one. */
export function startRecordings(o: { config: () => RecordingsConfig; logger: Logger }): Recordings {
  const recorder = new Recorder();
  const retention = startRetention({ config: o.config, inUse: () => recorder.inUse(), logger: o.logger });
  return {
    recorder,
    async close() {
      retention.stop();
      await retention.first;
      await recorder.idle();
    },
  };
}
