// `audit tail`: the latest security events, oldest first, and with --follow the new ones as they
// are stored (auth's own, the gateway's through its stream, and the CLI's).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AuditEvent, AuditQuery } from '../admin/admin-ports.js';
import type { AdminService } from '../admin/admin-service.js';
import { auditType, instant } from '../admin/admin-inputs.js';
import { auditEventView } from '../admin/admin-views.js';
import { withAdminContext } from './admin-context.js';
import type { CommandDeps } from './admin-program.js';
import { type CliIo, UsageError } from './cli-io.js';
import { inert, isoOf, wantsJson } from './output.js';
import { requireUser } from './user-reference.js';

interface TailOptions {
  readonly user?: string;
  readonly type?: string;
  readonly since?: string;
  readonly limit: string;
  readonly follow?: boolean;
}

type Filters = Pick<AuditQuery, 'userId' | 'type' | 'since'>;

/** Largest page the audit log serves (AuditQuery: 1–500). */
const PAGE = 500;

export function addAuditCommands(program: Command, deps: CommandDeps): void {
  const { io, open } = deps;
  program
    .command('audit')
    .description('the audit log')
    .command('tail')
    .description('the latest events, oldest first; --json prints one JSON event per line')
    .option('--user <user>', "only this user's events (address or user id)")
    .option('--type <type>', 'an event type, or a prefix ending in a dot (session.)')
    .option('--since <when>', 'from this time: 15m, 2h, 7d ago, or an ISO 8601 time')
    .option('--limit <n>', 'how many of the latest events, 1 to 500', '20')
    .option('--follow', 'then keep printing new events until interrupted (Ctrl-C)')
    .action(async (options: TailOptions, command: Command) => {
      const json = wantsJson(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > PAGE)
        throw new UsageError('--limit must be 1 to 500');
      if (options.type !== undefined && !auditType.safeParse(options.type).success)
        throw new UsageError(
          '--type is an event type like admin.roles.set, or a prefix like session.',
        );
      const since = options.since === undefined ? undefined : parseSince(options.since, Date.now());
      const print = (event: AuditEvent) =>
        io.stdout(json ? `${JSON.stringify(auditEventView(event))}\n` : eventLine(event));
      await withAdminContext(io, open, {}, async ({ service }) => {
        // An address is looked up; an id is taken as it is (a deleted account keeps its events).
        const userId =
          options.user?.includes('@') === true
            ? (await requireUser(service, options.user)).id
            : options.user;
        const filters: Filters = { userId, type: options.type, since };
        const { events } = await service.queryAudit({ ...filters, limit });
        const latest = [...events].reverse();
        latest.forEach(print);
        if (options.follow === true) await follow(service, filters, lastIdOf(latest), print, io);
      });
    });
}

/**
 * Polls for events stored after `lastId` (ids grow in insertion order, so an event the gateway
 * reported late is still shown, whatever its time) until the signal ends it.
 */
async function follow(
  service: AdminService,
  filters: Filters,
  lastId: bigint,
  print: (event: AuditEvent) => void,
  io: CliIo,
): Promise<void> {
  let seen = lastId;
  const interval = io.followIntervalMs ?? 1_000;
  while (io.signal?.aborted !== true) {
    const stopped = await sleep(interval, false, { signal: io.signal }).catch(() => true);
    if (stopped) return;
    const newer = await eventsAfter(service, filters, seen);
    newer.forEach(print);
    seen = lastIdOf(newer, seen);
  }
}

/** Every event after `id`, oldest first, a page at a time from the newest. */
async function eventsAfter(
  service: AdminService,
  filters: Filters,
  id: bigint,
): Promise<AuditEvent[]> {
  const found: AuditEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await service.queryAudit({ ...filters, limit: PAGE, cursor });
    for (const event of page.events) {
      if (BigInt(event.id) <= id) return found.reverse();
      found.push(event);
    }
    if (page.nextCursor === null) return found.reverse();
    cursor = page.nextCursor;
  }
}

function lastIdOf(events: readonly AuditEvent[], fallback = 0n): bigint {
  const last = events.at(-1);
  return last === undefined ? fallback : BigInt(last.id);
}

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `15m`, `2h`, `7d` ago, or an instant the API accepts (ISO 8601, epoch milliseconds). */
export function parseSince(value: string, now: number): number {
  const relative = /^(\d{1,6})([smhd])$/u.exec(value);
  if (relative !== null) return now - Number(relative[1]) * (UNIT_MS[relative[2] ?? 's'] ?? 1_000);
  const parsed = instant.safeParse(value);
  if (!parsed.success)
    throw new UsageError('--since is a duration ago (15m, 2h, 7d) or an ISO 8601 time');
  return parsed.data;
}

/** One event per line: time, type, who it is about, who acted, from where, and its details. */
export function eventLine(event: AuditEvent): string {
  const parts = [
    isoOf(event.at),
    event.type,
    `user=${event.userId ?? '-'}`,
    `actor=${event.actor ?? '-'}`,
    `source=${event.source}`,
  ];
  if (event.sessionId !== null) parts.push(`session=${event.sessionId}`);
  if (event.ip !== null) parts.push(`ip=${event.ip}`);
  if (Object.keys(event.details).length > 0) parts.push(JSON.stringify(event.details));
  return `${inert(parts.join('  '))}\n`;
}
