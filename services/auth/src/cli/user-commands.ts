// `users list|show|disable|enable|roles set|delete`.
import type { Command } from 'commander';
import type { AdminUser } from '../admin/admin-ports.js';
import { listUsersQuery, roleList } from '../admin/admin-inputs.js';
import { userPageView, userView } from '../admin/admin-views.js';
import { withAdminContext } from './admin-context.js';
import type { CommandDeps } from './admin-program.js';
import { CliError, UsageError } from './cli-io.js';
import {
  emit,
  inert,
  isoOf,
  listOrDash,
  plural,
  renderFields,
  renderTable,
  yesNo,
} from './output.js';
import { requireUser } from './user-reference.js';

const USER = ['<user>', 'address or user id'] as const;

export function addUserCommands(program: Command, deps: CommandDeps): void {
  const users = program.command('users').description('list, inspect and change accounts');
  addListCommand(users, deps);
  addShowCommand(users, deps);
  addDisableCommands(users, deps);
  addRolesCommand(users, deps);
  addDeleteCommand(users, deps);
}

function addListCommand(users: Command, { io, open }: CommandDeps): void {
  users
    .command('list')
    .description('list accounts, newest first, a page at a time')
    .option('--search <text>', 'only addresses containing this text (any case)')
    .option('--limit <n>', 'accounts per page, 1 to 200', '50')
    .option('--cursor <cursor>', 'the next page (printed at the end of the previous one)')
    .action(
      async (options: { search?: string; limit: string; cursor?: string }, command: Command) => {
        const parsed = listUsersQuery.safeParse(options);
        if (!parsed.success)
          throw new UsageError('--limit is 1 to 200; --search and --cursor must not be empty');
        const page = await withAdminContext(io, open, {}, ({ service }) =>
          service.listUsers(parsed.data),
        );
        emit(io, command, userPageView(page), () => {
          const table =
            page.users.length === 0
              ? 'No users.\n'
              : renderTable(USER_HEADERS, page.users.map(userRow));
          return page.nextCursor === null
            ? table
            : `${table}\nMore: authflow-admin users list --cursor ${inert(page.nextCursor)}\n`;
        });
      },
    );
}

function addShowCommand(users: Command, { io, open }: CommandDeps): void {
  users
    .command('show')
    .description('one account')
    .argument(...USER)
    .action(async (reference: string, _options: unknown, command: Command) => {
      const user = await withAdminContext(io, open, {}, ({ service }) =>
        requireUser(service, reference),
      );
      emit(io, command, { user: userView(user) }, () => renderFields(userFields(user)));
    });
}

function addDisableCommands(users: Command, { io, open }: CommandDeps): void {
  users
    .command('disable')
    .description('refuse sign-in and end every session of the account at once')
    .argument(...USER)
    .action(async (reference: string, _options: unknown, command: Command) => {
      const changed = await withAdminContext(io, open, { sessions: true }, async (context) => {
        const user = await requireUser(context.service, reference);
        return orUnknown(await context.service.disable(context.actor, user.id), reference);
      });
      emit(
        io,
        command,
        { user: userView(changed.user), revoked_sessions: changed.sessions },
        () =>
          `Disabled ${inert(changed.user.email)}; ended ${plural(changed.sessions, 'session')}.\n`,
      );
    });

  users
    .command('enable')
    .description('allow sign-in again')
    .argument(...USER)
    .action(async (reference: string, _options: unknown, command: Command) => {
      const user = await withAdminContext(io, open, {}, async (context) => {
        const found = await requireUser(context.service, reference);
        return orUnknown(await context.service.enable(context.actor, found.id), reference);
      });
      emit(io, command, { user: userView(user) }, () => `Enabled ${inert(user.email)}.\n`);
    });
}

function addRolesCommand(users: Command, deps: CommandDeps): void {
  const roles = users.command('roles').description("change an account's roles");
  const change = (name: string, description: string, edit: RoleEdit) =>
    roles
      .command(name)
      .description(description)
      .argument(...USER)
      .argument(name === 'set' ? '[roles...]' : '<roles...>', 'lower-case role names, e.g. admin')
      .action((reference: string, names: string[], options: { none?: boolean }, command: Command) =>
        changeRoles(deps, command, reference, edit, names, options.none === true),
      );
  change(
    'set',
    "replace the account's roles; its live sessions get them within a second (the first admin: users roles set <email> admin)",
    (_current, names) => names,
  ).option('--none', 'remove every role');
  change('add', 'add roles to the account (and its live sessions)', (current, names) => [
    ...current,
    ...names,
  ]);
  change('remove', 'remove roles from the account (and its live sessions)', (current, names) =>
    current.filter((role) => !names.includes(role)),
  );
}

/** The new role list from the current one and the names on the command line. */
type RoleEdit = (current: readonly string[], names: readonly string[]) => readonly string[];

async function changeRoles(
  { io, open }: CommandDeps,
  command: Command,
  reference: string,
  edit: RoleEdit,
  names: string[],
  none: boolean,
): Promise<void> {
  if ((names.length === 0) !== none)
    throw new UsageError('name the roles, or pass --none to remove them all');
  if (!roleList.safeParse(names).success)
    throw new UsageError(
      'a role is a lower-case word (letters, digits, _ . : -), at most 64 characters; at most 64 roles',
    );
  const changed = await withAdminContext(io, open, { sessions: true }, async (context) => {
    const user = await requireUser(context.service, reference);
    const wanted = roleList.safeParse(edit(user.roles, names));
    if (!wanted.success) throw new UsageError('an account holds at most 64 roles');
    const result = await context.service.setRoles(context.actor, user.id, wanted.data);
    return { ...orUnknown(result, reference), reachedSessions: context.sessions === 'redis' };
  });
  emit(
    io,
    command,
    { user: userView(changed.user), updated_sessions: changed.sessions },
    () =>
      `Roles of ${inert(changed.user.email)}: ${inert(listOrDash(changed.user.roles))}; ` +
      `${plural(changed.sessions, 'live session')} updated.\n`,
  );
  if (!changed.reachedSessions)
    io.stderr(
      'Note: REDIS_URL is not set, so no session was reached (the all-in-one npm start keeps them in its memory); the next sign-in has the new roles.\n',
    );
}

function addDeleteCommand(users: Command, { io, open }: CommandDeps): void {
  users
    .command('delete')
    .description('delete the account for good, with its sessions')
    .argument(...USER)
    .option('--yes', 'do not ask for confirmation')
    .action(async (reference: string, options: { yes?: boolean }, command: Command) => {
      if (options.yes !== true) {
        if (io.confirm === undefined)
          throw new UsageError('deleting an account cannot be undone: pass --yes to confirm');
        if (!(await io.confirm(`Delete ${inert(reference)} and end its sessions? [y/N] `))) {
          io.stderr('Nothing deleted.\n');
          return;
        }
      }
      const deleted = await withAdminContext(io, open, { sessions: true }, async (context) => {
        const user = await requireUser(context.service, reference);
        return orUnknown(await context.service.deleteUser(context.actor, user.id), reference);
      });
      emit(
        io,
        command,
        { deleted: true, user: userView(deleted.user), revoked_sessions: deleted.sessions },
        () =>
          `Deleted ${inert(deleted.user.email)}; ended ${plural(deleted.sessions, 'session')}.\n`,
      );
    });
}

/** The user vanished between the look-up and the change (deleted meanwhile). */
function orUnknown<T>(value: T | null, reference: string): T {
  if (value === null) throw new CliError(`no user ${inert(reference)} (deleted meanwhile?)`);
  return value;
}

const USER_HEADERS = ['EMAIL', 'ID', 'ROLES', 'VERIFIED', 'DISABLED', 'CREATED'];

function userRow(user: AdminUser): string[] {
  return [
    user.email,
    user.id,
    listOrDash(user.roles),
    yesNo(user.emailVerified),
    yesNo(user.disabled),
    isoOf(user.createdAt),
  ];
}

function userFields(user: AdminUser): [string, string][] {
  return [
    ['Email', user.email],
    ['Id', user.id],
    ['Roles', listOrDash(user.roles)],
    ['Email verified', yesNo(user.emailVerified)],
    ['Disabled', yesNo(user.disabled)],
    ['Created', isoOf(user.createdAt)],
  ];
}
