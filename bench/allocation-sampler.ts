// A preload (`node --import`) that samples every allocation of a process, garbage included, and
// writes a .heapprofile when it exits. `node --heap-prof` keeps only what is still alive at the
// end, which says nothing about the per-request garbage the young generation churns through.
//
//   npm run bench -- --only gateway-warm --gateway-flags="--import=./bench/allocation-sampler.ts"
//
// BENCH_ALLOCATION_DIR chooses the folder (default: the system's temporary folder); the path is
// written to stderr (the process's log). Summarise with bench/cpu-profile-summary.ts.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bytes between samples: V8's default (32 KiB) is too coarse for objects of a few dozen bytes. */
const SAMPLING_INTERVAL_BYTES = 4_096;

const session = new Session();
session.connect();
// The in-process session answers synchronously, so the profile can be taken in 'exit'.
session.post('HeapProfiler.startSampling', {
  samplingInterval: SAMPLING_INTERVAL_BYTES,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});

process.once('exit', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error !== null) return;
    const file = join(
      process.env.BENCH_ALLOCATION_DIR ?? tmpdir(),
      `allocations-${process.pid}.heapprofile`,
    );
    writeFileSync(file, JSON.stringify(result.profile));
    process.stderr.write(`allocation profile: ${file}\n`);
  });
});
