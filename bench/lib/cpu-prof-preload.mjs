// Preloaded into podgate by bench/profile.ts (NODE_OPTIONS=--import ...; --cpu-prof itself is
// not allowed in NODE_OPTIONS): starts the V8 sampling profiler at boot and writes
// $PODGATE_CPU_PROF_DIR/podgate-PID.cpuprofile when the process exits. The in-thread inspector
// session answers synchronously, so this works inside the 'exit' handler.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.PODGATE_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `podgate-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
