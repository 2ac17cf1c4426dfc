// Preloaded into podgate by bench/profile.ts (NODE_OPTIONS=--import ...; --cpu-prof itself is
// not allowed in NODE_OPTIONS): starts the V8 sampling profiler at boot and writes
// $PODGATE_CPU_PROF_DIR/podgate-PID.cpuprofile when the process exits; PODGATE_TRACE_GC=1 adds --trace-gc. The in-thread inspector
// session answers synchronously, so this works inside the 'exit' handler.
import { Session } from 'node:inspector';
import { setFlagsFromString } from 'node:v8';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// --trace-gc is not allowed in NODE_OPTIONS; set at run time it takes effect from the next GC.
if (process.env.PODGATE_TRACE_GC === '1') setFlagsFromString('--trace-gc');
// Experiments with V8 flags NODE_OPTIONS refuses (space-separated).
for (const f of (process.env.PODGATE_V8_FLAGS ?? '').split(' ').filter(Boolean)) setFlagsFromString(f);

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
