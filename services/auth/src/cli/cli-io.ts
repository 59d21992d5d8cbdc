// What the admin CLI is given by its process (or by a test): where to write, its environment,
// who runs it, and how a long command is stopped. Also its two kinds of failure.

export type Environment = Readonly<Record<string, string | undefined>>;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Auth's environment: the CLI reads the same settings as the service. */
  readonly env: Environment;
  /** The operating-system account running the CLI: the audit log's actor is `cli:<osUser>`. */
  readonly osUser: string;
  /** Ends `audit tail --follow` (Ctrl-C in a terminal). */
  readonly signal?: AbortSignal;
  /** Asks a yes/no question on a terminal; absent when there is none to ask on. */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** How long `--follow` waits between two looks at the audit log (default 1 s). */
  readonly followIntervalMs?: number;
}

/** Exit codes: 0 done, 1 the work failed (unknown user, a store down), 2 the command was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A failure the operator can act on: one line on stderr, no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_FAILED) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The command line itself is wrong (a bad value, a missing confirmation): exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}
