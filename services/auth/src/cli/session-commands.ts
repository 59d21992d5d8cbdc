// `sessions list|revoke`: a user's live sessions in Redis.
import type { Command } from 'commander';
import type { SessionRecord } from '@authflow/sessions';
import { sessionView } from '../admin/admin-views.js';
import { type AdminContext, withAdminContext } from './admin-context.js';
import type { CommandDeps } from './admin-program.js';
import { CliError, UsageError } from './cli-io.js';
import { emit, inert, isoOf, plural, renderTable } from './output.js';
import { requireUser } from './user-reference.js';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/u;

export function addSessionCommands(program: Command, deps: CommandDeps): void {
  const { io, open } = deps;
  const sessions = program.command('sessions').description("a user's live sessions");

  sessions
    .command('list')
    .description("the user's live sessions, oldest first")
    .argument('<user>', 'address or user id')
    .action(async (reference: string, _options: unknown, command: Command) => {
      const listed = await withAdminContext(io, open, { sessions: true }, async (context) => {
        requireSessionStore(context);
        const user = await requireUser(context.service, reference);
        return (await context.service.listSessions(user.id)) ?? [];
      });
      emit(io, command, { sessions: listed.map(sessionView) }, () =>
        listed.length === 0
          ? 'No live sessions.\n'
          : renderTable(SESSION_HEADERS, listed.map(sessionRow)),
      );
    });

  sessions
    .command('revoke')
    .description('end one session of the user, or all of them with --all')
    .argument('<user>', 'address or user id')
    .argument('[sessionId]', 'the session to end (see sessions list)')
    .option('--all', 'end every session of the user')
    .action(
      async (
        reference: string,
        sessionId: string | undefined,
        options: { all?: boolean },
        command: Command,
      ) => {
        if ((sessionId === undefined) === (options.all !== true))
          throw new UsageError('name one session id, or pass --all');
        if (sessionId !== undefined && !SESSION_ID.test(sessionId))
          throw new UsageError('a session id is 43 characters (see sessions list)');
        const revoked = await withAdminContext(io, open, { sessions: true }, async (context) => {
          requireSessionStore(context);
          const user = await requireUser(context.service, reference);
          if (sessionId === undefined)
            return (await context.service.revokeAllSessions(context.actor, user.id)) ?? [];
          if (!(await context.service.revokeSession(context.actor, user.id, sessionId)))
            throw new CliError(`${inert(user.email)} has no live session ${sessionId}`);
          return [sessionId];
        });
        emit(
          io,
          command,
          { revoked: revoked.length },
          () => `Ended ${plural(revoked.length, 'session')}.\n`,
        );
      },
    );
}

/** Without REDIS_URL there is no session the CLI could see (see admin-context.ts). */
function requireSessionStore(context: AdminContext): void {
  if (context.sessions === 'none')
    throw new CliError(
      'REDIS_URL is not set: sessions live in Redis (the all-in-one npm start keeps them in its own memory, out of reach)',
    );
}

const SESSION_HEADERS = ['ID', 'DEVICE', 'IP', 'AAL', 'CREATED', 'LAST SEEN'];

function sessionRow(session: SessionRecord): string[] {
  return [
    session.id,
    session.deviceLabel,
    session.ip,
    session.aal,
    isoOf(session.createdAt),
    isoOf(session.lastSeenAt),
  ];
}
