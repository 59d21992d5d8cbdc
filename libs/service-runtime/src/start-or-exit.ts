// The last line of every service's main: a configuration problem is a clear message and exit 1.
import { ConfigError } from '@authflow/config';
import { ListenError } from './run-services.js';
import { DependencyUnreachableError } from './wait-until-ready.js';

export interface ProcessIo {
  readonly exit: (code: number) => void;
  readonly writeError: (text: string) => void;
}

const processIo: ProcessIo = {
  exit: (code) => process.exit(code),
  writeError: (text) => void process.stderr.write(text),
};

/**
 * Runs `start`. A bad configuration prints every problem, and a port that cannot be used or a
 * dependency that does not answer one line naming its setting (no stack trace: it is the operator's input, not a bug), and exits 1;
 * anything else is rethrown, so it crashes loudly as a bug should.
 */
export async function startOrExit(
  label: string,
  start: () => Promise<void>,
  io: ProcessIo = processIo,
): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (!(
      error instanceof ConfigError ||
      error instanceof ListenError ||
      error instanceof DependencyUnreachableError
    ))
      throw error;
    io.writeError(`${label}: ${error.message}\n`);
    io.exit(1);
  }
}
