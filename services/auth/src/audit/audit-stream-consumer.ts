// Stores the gateway's audit events: reads the Redis stream AUDIT_STREAM as a member of the
// consumer group AUDIT_STREAM_GROUP, writes each batch, and acknowledges it only once written. An
// entry read but not stored (Postgres down, a crash) stays pending: this consumer retries its own
// batch, and pending entries of a consumer that went away are taken over with XAUTOCLAIM.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { waitForRedis } from '@authflow/sessions';
import type { Redis } from 'ioredis';
import { AUDIT_STREAM, AUDIT_STREAM_GROUP } from '../admin/admin-ports.js';
import { type RetryPolicy, retryDelayMs } from '../mail/queue/retry-schedule.js';
import type { AuditMetrics } from './audit-metrics.js';
import { parseAuditStreamEntry } from './audit-stream-entry.js';
import type { AuditWriter } from './audit-writer.js';
import { type AuditLogger, DropReport } from './drop-report.js';
import type { AuditRecord } from './sql-audit-store.js';

export interface AuditStreamConsumerOptions {
  /** The service's client: duplicated for the blocking reads; used as is to clean up at stop. */
  readonly redis: Redis;
  readonly writer: Pick<AuditWriter, 'persist'>;
  readonly logger: AuditLogger;
  readonly metrics?: AuditMetrics | undefined;
  readonly stream?: string | undefined;
  readonly group?: string | undefined;
  /** This process's name in the group. Default `<host>:<pid>:<random>`. */
  readonly consumer?: string | undefined;
  /** Entries per read. Default 100. */
  readonly batchSize?: number | undefined;
  /** How long one read waits for new entries. Default 2 s. */
  readonly blockMs?: number | undefined;
  /** Another consumer's entry pending this long is taken over (it died). Default 60 s. */
  readonly claimIdleMs?: number | undefined;
  /** The wait after a failure (Redis or Postgres down). Default 1 s to 10 s. */
  readonly retry?: RetryPolicy | undefined;
  readonly random?: (() => number) | undefined;
}

type Entry = readonly [id: string, fields: readonly string[] | null];

export class AuditStreamConsumer {
  readonly consumer: string;
  readonly #o: AuditStreamConsumerOptions;
  readonly #stream: string;
  readonly #group: string;
  readonly #drops: DropReport;
  #reader: Redis | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #reading = false;
  readonly #halted = Promise.withResolvers<undefined>();
  #failures = 0;
  #grouped = false;
  #claimCursor = '0-0';
  #nextClaimAt = 0;

  constructor(options: AuditStreamConsumerOptions) {
    this.#o = options;
    this.#stream = options.stream ?? AUDIT_STREAM;
    this.#group = options.group ?? AUDIT_STREAM_GROUP;
    this.consumer =
      options.consumer ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#drops = new DropReport({ logger: options.logger, metrics: options.metrics });
  }

  start(): void {
    if (this.#loop !== undefined || this.#stopped) return;
    const blockMs = this.#o.blockMs ?? 2_000;
    // Its own connection: a blocked read would hold up every other command of a shared one.
    this.#reader = this.#o.redis.duplicate({
      commandTimeout: blockMs + 2_000,
      connectionName: 'authflow-auth-audit',
    });
    this.#reader.on('error', () => undefined);
    // The loop handles its own failures; this only keeps a surprise from going unhandled.
    this.#loop = this.#run(this.#reader).catch((error: unknown) => {
      this.#o.logger.warn(
        { event: 'audit.stream_stopped', code: (error as { code?: unknown } | null)?.code },
        'audit stream: reading stopped',
      );
    });
  }

  /** Stops reading; a batch being stored is finished (and acknowledged) first. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#loop === undefined) return;
    this.#halted.resolve(undefined);
    // A blocked read (or a wait for the connection) is cut short; whatever a read had taken stays
    // pending, for the next consumer.
    if (this.#reading) this.#reader?.disconnect();
    await this.#loop;
    await this.#leaveGroup();
    this.#reader?.disconnect();
  }

  /** A method, not the field: the loops read it again after each await. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  async #run(reader: Redis): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#connected(reader);
        if (!this.#grouped) await this.#joinGroup(reader);
        const entries = await this.#next(reader);
        if (entries.length > 0) await this.#store(reader, entries);
        this.#recovered();
      } catch (error) {
        if (this.#isStopped()) break;
        // The stream (and its group) was deleted: create them again.
        if (/NOGROUP/u.test((error as Error | null)?.message ?? '')) this.#grouped = false;
        await this.#pauseAfter(error);
      }
    }
  }

  /** Resolves once the reader is connected; rejects after the block time, or at stop. */
  async #connected(reader: Redis): Promise<void> {
    if (reader.status === 'ready') return;
    await Promise.race([
      waitForRedis(reader, this.#o.blockMs ?? 2_000),
      this.#halted.promise.then(() => {
        throw new Error('audit stream: stopped');
      }),
    ]);
  }

  async #joinGroup(reader: Redis): Promise<void> {
    try {
      // From the stream's start: events the gateway wrote before auth ever ran are stored too.
      await reader.xgroup('CREATE', this.#stream, this.#group, '0', 'MKSTREAM');
    } catch (error) {
      if (!/BUSYGROUP/u.test((error as Error | null)?.message ?? '')) throw error;
    }
    this.#grouped = true;
  }

  /** Entries abandoned by a dead consumer first (a pass now and then), else new ones. */
  async #next(reader: Redis): Promise<Entry[]> {
    const count = this.#o.batchSize ?? 100;
    if (Date.now() >= this.#nextClaimAt) {
      const idle = this.#o.claimIdleMs ?? 60_000;
      const reply = await reader.xautoclaim(
        this.#stream,
        this.#group,
        this.consumer,
        idle,
        this.#claimCursor,
        'COUNT',
        count,
      );
      const [cursor, claimed] = reply as [string, unknown];
      this.#claimCursor = cursor;
      // A whole pass over the pending list: the next one in half the idle time.
      if (cursor === '0-0') this.#nextClaimAt = Date.now() + Math.max(idle / 2, 1_000);
      const entries = entriesOf(claimed);
      if (entries.length > 0) return entries;
    }
    this.#reading = true;
    try {
      const reply = await reader.call(
        'XREADGROUP',
        'GROUP',
        this.#group,
        this.consumer,
        'COUNT',
        count,
        'BLOCK',
        this.#o.blockMs ?? 2_000,
        'STREAMS',
        this.#stream,
        '>',
      );
      return entriesOf(streamOf(reply, this.#stream));
    } finally {
      this.#reading = false;
    }
  }

  /** Stores the batch (waiting out a Postgres outage), then acknowledges every entry of it. */
  async #store(reader: Redis, entries: readonly Entry[]): Promise<void> {
    const events: AuditRecord[] = [];
    let invalid = 0;
    for (const [id, fields] of entries) {
      const event = fields === null ? null : parseAuditStreamEntry(fields);
      if (event === null) invalid += 1;
      else events.push({ ...event, streamId: id });
    }
    for (;;) {
      try {
        await this.#o.writer.persist(events);
        break;
      } catch (error) {
        // Unacknowledged, the entries stay pending: a later consumer (or this one) takes them.
        if (this.#isStopped()) return;
        await this.#pauseAfter(error);
        if (this.#isStopped()) return;
      }
    }
    await reader.xack(this.#stream, this.#group, ...entries.map(([id]) => id));
    // Acknowledged without storing: an entry that is not an event never will be one.
    this.#drops.add('invalid', invalid);
  }

  async #pauseAfter(error: unknown): Promise<void> {
    this.#failures += 1;
    const code = (error as { code?: unknown } | null)?.code;
    const fields = {
      event: 'audit.stream_unavailable',
      code: typeof code === 'string' ? code : 'error',
    };
    if (this.#failures === 1)
      this.#o.logger.warn(fields, 'audit stream: events stay in Redis until they can be stored');
    else this.#o.logger.debug(fields, 'audit stream: still waiting');
    const delay = retryDelayMs(
      this.#failures,
      this.#o.retry ?? { baseMs: 1_000, maxMs: 10_000 },
      this.#o.random,
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise((resolve) => (timer = setTimeout(resolve, delay))),
      this.#halted.promise,
    ]);
    clearTimeout(timer);
  }

  #recovered(): void {
    if (this.#failures === 0) return;
    this.#failures = 0;
    this.#o.logger.info({ event: 'audit.stream_recovered' }, 'audit stream: reading again');
  }

  /** A consumer with nothing pending is removed from the group (each process has its own name). */
  async #leaveGroup(): Promise<void> {
    const { redis } = this.#o;
    try {
      const pending = await redis.xpending(this.#stream, this.#group, '-', '+', 1, this.consumer);
      if (pending.length === 0)
        await redis.xgroup('DELCONSUMER', this.#stream, this.#group, this.consumer);
    } catch {
      // Redis is down: the name stays in the group, harmless (its entries, if any, get claimed).
    }
  }
}

/**
 * One stream's part of an XREAD(GROUP) reply: `[[stream, entries], ...]` over RESP2, a map that
 * ioredis flattens to `[stream, entries, ...]` over RESP3; null when nothing came in time.
 */
function streamOf(reply: unknown, stream: string): unknown {
  if (!Array.isArray(reply)) return undefined;
  if (typeof reply[0] === 'string') {
    for (let index = 0; index + 1 < reply.length; index += 2)
      if (reply[index] === stream) return reply[index + 1];
    return undefined;
  }
  for (const pair of reply) if (Array.isArray(pair) && pair[0] === stream) return pair[1];
  return undefined;
}

/** Stream entries from a reply: `[id, [field, value, ...]]`; a deleted entry has no fields. */
function entriesOf(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  const entries: Entry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    const fields: unknown = item[1];
    entries.push([
      item[0],
      Array.isArray(fields) && fields.every((field) => typeof field === 'string') ? fields : null,
    ]);
  }
  return entries;
}
