// The audit log's table (migration 006) in auth's database, Postgres or PGlite: batches in, pages
// out (newest first, keyset on the id), and retention.
import type { AuditEvent, AuditLog, AuditQuery, NewAuditEvent } from '../admin/admin-ports.js';
import type { Queryable } from '../identity/builtin/database.js';
import { cleanOptionalText, cleanText, toAuditDetails } from './audit-details.js';

/** An event on its way to the table, with the Redis stream entry it came from, if any. */
export interface AuditRecord extends NewAuditEvent {
  /** A stream entry already stored is skipped, so a redelivered entry is stored once. */
  readonly streamId?: string | undefined;
}

/** Where the writer puts its batches. */
export interface AuditBatchStore {
  /** Stores the events in one statement, in this order (their ids follow it). */
  insertBatch(events: readonly AuditRecord[]): Promise<void>;
}

export const MAX_AUDIT_PAGE = 500;
const COLUMNS = 10;

/** A cursor `query` accepts: the decimal id of the last event of a page. */
export function isAuditCursor(value: string): boolean {
  return /^[1-9]\d{0,17}$/u.test(value);
}

interface AuditRow {
  readonly id: string;
  readonly at: Date;
  readonly type: string;
  readonly user_id: string | null;
  readonly actor: string | null;
  readonly session_id: string | null;
  readonly ip: string | null;
  readonly request_id: string | null;
  readonly source: string;
  readonly details: Record<string, unknown> | null;
}

export class SqlAuditStore implements AuditLog, AuditBatchStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async insertBatch(events: readonly AuditRecord[]): Promise<void> {
    if (events.length === 0) return;
    const params: unknown[] = [];
    const rows = events.map((event, index) => {
      params.push(...rowOf(event));
      const first = index * COLUMNS;
      return `(${Array.from({ length: COLUMNS }, (_, column) => `$${first + column + 1}`).join(', ')})`;
    });
    // One VALUES list: ids are drawn in its order, so a batch keeps the order it was recorded in.
    await this.#db.query(
      `insert into audit_events (at, type, user_id, actor, session_id, ip, request_id, source, details, stream_id)
       values ${rows.join(', ')}
       on conflict (stream_id) where stream_id is not null do nothing`,
      params,
    );
  }

  async query(query: AuditQuery): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
    const { limit } = query;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE)
      throw new RangeError(`audit: limit must be 1 to ${MAX_AUDIT_PAGE}`);
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (query.userId !== undefined) where.push(`user_id = ${param(query.userId)}`);
    if (query.type !== undefined)
      where.push(
        query.type.endsWith('.')
          ? `type like ${param(`${escapeLike(query.type)}%`)} escape '\\'`
          : `type = ${param(query.type)}`,
      );
    if (query.since !== undefined) where.push(`at >= ${param(new Date(query.since))}`);
    if (query.until !== undefined) where.push(`at <= ${param(new Date(query.until))}`);
    if (query.cursor !== undefined) {
      if (!isAuditCursor(query.cursor)) throw new RangeError('audit: not a cursor');
      where.push(`id < ${param(query.cursor)}::bigint`);
    }
    // One more than asked: whether an older page exists, without counting. The order names the
    // table's column: a bare `id` would be the text alias, and '99' sorts after '100'.
    const { rows } = await this.#db.query<AuditRow>(
      `select id::text as id, at, type, user_id, actor, session_id, ip, request_id, source, details
       from audit_events ${where.length === 0 ? '' : `where ${where.join(' and ')}`}
       order by audit_events.id desc limit ${param(limit + 1)}`,
      params,
    );
    const events = rows.slice(0, limit).map(eventOf);
    return {
      events,
      nextCursor: rows.length > limit ? (events[events.length - 1]?.id ?? null) : null,
    };
  }

  /** Deletes the events older than `cutoff` (epoch ms), in bounded batches; returns how many. */
  async deleteOlderThan(cutoff: number, batchSize = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const { rows } = await this.#db.query<{ deleted: number }>(
        `with gone as (
           delete from audit_events where id in (
             select id from audit_events where at < $1 limit $2)
           returning 1)
         select count(*)::int as deleted from gone`,
        [new Date(cutoff), batchSize],
      );
      const deleted = rows[0]?.deleted ?? 0;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}

function rowOf(event: AuditRecord): unknown[] {
  const at = Number.isFinite(event.at) ? event.at : Date.now();
  return [
    new Date(at),
    cleanText(event.type, 128),
    cleanOptionalText(event.userId),
    cleanOptionalText(event.actor),
    cleanOptionalText(event.sessionId),
    cleanOptionalText(event.ip, 64),
    cleanOptionalText(event.requestId, 128),
    cleanText(event.source, 32),
    JSON.stringify(toAuditDetails(event.details)),
    event.streamId ?? null,
  ];
}

function eventOf(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    at: row.at.getTime(),
    type: row.type,
    userId: row.user_id,
    actor: row.actor,
    sessionId: row.session_id,
    ip: row.ip,
    requestId: row.request_id,
    source: row.source,
    details: row.details ?? {},
  };
}

/** `_` and `%` are LIKE wildcards (`mfa.trusted_device.` has one); `\` is the escape. */
function escapeLike(prefix: string): string {
  return prefix.replace(/[\\%_]/gu, (character) => `\\${character}`);
}
