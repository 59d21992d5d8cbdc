// What every phase of a run shares: options, folders, the process group, ports and pinning.
import type { Pinning } from './cpu-pinning.ts';
import type { LoadGenerator } from './load-generator.ts';
import type { BenchOptions } from './options.ts';
import type { PortPlan } from './ports.ts';
import type { ProcessGroup } from './process-group.ts';

export interface RunContext {
  readonly options: BenchOptions;
  readonly repoRoot: string;
  readonly benchDir: string;
  /** Temporary files of this run (configs, cookie files, outbox), removed at the end. */
  readonly workDir: string;
  readonly group: ProcessGroup;
  readonly ports: PortPlan;
  readonly pinning: Pinning;
  readonly load: LoadGenerator;
  /** Progress lines on stderr, so stdout stays the results. */
  say(text: string): void;
  /** Registers work for the end of the run (dropping the login database). */
  atCleanup(task: () => Promise<void>): void;
}
