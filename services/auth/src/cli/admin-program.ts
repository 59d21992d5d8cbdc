// The admin CLI's command tree (commander) and its one error boundary: every failure becomes
// one line on stderr and an exit code (1: the work failed, 2: the command line was wrong).
import { Command, CommanderError } from 'commander';
import { ConfigError } from '@authflow/config';
import { PolicyExplainUnavailableError } from '../admin/policy-explainer.js';
import { type IdentityError, isIdentityError } from '../identity/identity-provider.js';
import { type AdminContextOpener, openAdminContext } from './admin-context.js';
import { addAuditCommands } from './audit-commands.js';
import { CliError, type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './cli-io.js';
import { addPolicyCommands } from './policy-commands.js';
import { addSessionCommands } from './session-commands.js';
import { addUserCommands } from './user-commands.js';

/** What every command is given: the process's I/O and a way to reach the stores. */
export interface CommandDeps {
  readonly io: CliIo;
  readonly open: AdminContextOpener;
}

/**
 * Commander's own outcomes that are not failures: help asked for. (`commander.help` is the help
 * shown for a command line that names no command: a usage error.)
 */
const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.version']);

export function buildAdminProgram(deps: CommandDeps): Command {
  const program = new Command('authflow-admin')
    .description(
      "Administers AuthFlow's users, sessions and audit log, straight on auth's stores (same environment as auth).",
    )
    .option('--json', 'print JSON for scripts instead of tables')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.stdout(text),
      writeErr: (text) => deps.io.stderr(text),
    })
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      [
        '',
        'The first admin: authflow-admin users roles set <email> admin',
        'Exit codes: 0 done, 1 the work failed (unknown user, a store down), 2 a usage error.',
      ].join('\n'),
    );
  addUserCommands(program, deps);
  addSessionCommands(program, deps);
  addAuditCommands(program, deps);
  addPolicyCommands(program, deps);
  return program;
}

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function runAdminCli(
  args: readonly string[],
  io: CliIo,
  open: AdminContextOpener = openAdminContext,
): Promise<number> {
  const program = buildAdminProgram({ io, open });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return exitCodeOf(error, io);
  }
}

function exitCodeOf(error: unknown, io: CliIo): number {
  // Commander has already printed its message (unknown command, missing argument, --help).
  if (error instanceof CommanderError)
    return COMMANDER_SUCCESS.has(error.code) ? EXIT_OK : EXIT_USAGE;
  if (error instanceof CliError) {
    io.stderr(`authflow-admin: ${error.message}\n`);
    return error.exitCode;
  }
  if (isIdentityError(error)) return identityFailure(error, io);
  if (error instanceof PolicyExplainUnavailableError) {
    io.stderr(`authflow-admin: the routes file cannot be used: ${error.message}\n`);
    return EXIT_FAILED;
  }
  if (error instanceof ConfigError) {
    io.stderr(`authflow-admin: ${error.message}\n`);
    return EXIT_FAILED;
  }
  // A bug or an unexpected failure: its message, and the stack for whoever reports it.
  io.stderr(`authflow-admin: unexpected failure: ${String(error)}\n`);
  if (error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`);
  return EXIT_FAILED;
}

/** The user store refused: bad input (a cursor from elsewhere) is a usage error, an outage is not. */
function identityFailure(error: IdentityError, io: CliIo): number {
  if (error.code === 'validation_failed') {
    const fields = (error.details.fields ?? []).join(', ');
    io.stderr(`authflow-admin: not valid: ${fields === '' ? 'the input' : fields}\n`);
    return EXIT_USAGE;
  }
  io.stderr(
    error.code === 'identity_store_unavailable' || error.code === 'identity_provider_unavailable'
      ? 'authflow-admin: the user store does not answer (AUTH_DATABASE_URL / AUTH_DATA_DIR, or Supabase)\n'
      : `authflow-admin: the user store refused: ${error.code}\n`,
  );
  return EXIT_FAILED;
}
