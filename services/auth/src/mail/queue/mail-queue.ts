// The durable mail queue: `mailer.send` writes the message to the outbox and returns; a worker in
// the auth process claims due messages, hands them to the transport (SMTP), marks them sent only
// once the server accepted them, and on failure tries again later with capped exponential backoff.
import { type Breaker, createBreaker, isBreakerOpenError } from '@authflow/resilience';
import type { Counter } from 'prom-client';
import type { Mailer, MailMessage } from '../mailer.js';
import type { OutboxStore, QueuedMail } from './outbox-store.js';
import {
  failureCode,
  isMailServerFailure,
  isPermanentMailFailure,
  type RetryPolicy,
  retryDelayMs,
} from './retry-schedule.js';

export type MailBreaker = Breaker<[MailMessage], void>;

export interface MailQueueLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MailQueueOptions {
  readonly store: OutboxStore;
  /** What really delivers (SMTP, the development outbox). */
  readonly transport: Mailer;
  readonly logger: MailQueueLogger;
  readonly retry: RetryPolicy;
  /** How often the worker looks for due messages (it is also woken by every new message). */
  readonly pollIntervalMs: number;
  /** A message still unsent after this long is given up (its links have expired by then). */
  readonly maxAgeMs: number;
  /** The mail server's breaker reset time: while it is open nothing is attempted. */
  readonly breakerResetMs: number;
  /** Delivery outcomes. The depth is counted from the store when scraped, not here. */
  readonly metrics?: {
    readonly deliveries: Counter<'outcome'>;
  };
  /** How long a claimed message is reserved for this worker (longer than one SMTP send). */
  readonly leaseMs?: number;
  readonly batchSize?: number;
  readonly clock?: () => number;
  readonly random?: () => number;
}

const FINISHED_RETENTION_MS = 7 * 24 * 3_600_000;

export class MailQueue {
  /** The Mailer the rest of the service uses: `send` resolves once the message is queued. */
  readonly mailer: Mailer;
  readonly breaker: MailBreaker;
  readonly #options: MailQueueOptions;
  readonly #clock: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #started = false;
  #stopped = false;
  #lastPrune = 0;

  constructor(options: MailQueueOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.breaker = createBreaker((message: MailMessage) => options.transport.send(message), {
      name: 'smtp',
      // nodemailer bounds connection, greeting and socket itself.
      timeoutMs: false,
      resetTimeoutMs: options.breakerResetMs,
      isFailure: isMailServerFailure,
    });
    this.mailer = {
      send: async (message) => {
        if (this.#stopped) throw new Error('mail: the mail queue is closed');
        await options.store.add(message, new Date(this.#clock()));
        this.#wake();
      },
      close: () => this.stop(),
    };
  }

  /** Starts the worker: due messages (also those left by an earlier process) go out now. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#wake();
  }

  /** Stops the worker after the batch in flight; queued messages wait for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    this.breaker.shutdown();
  }

  /** One pass over the due messages (tests drive the worker with it). */
  async runOnce(): Promise<void> {
    await this.#pass();
  }

  #wake(): void {
    if (!this.#started || this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#wake(), this.#options.pollIntervalMs);
    this.#timer.unref();
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      const full = await this.#pass().catch((error: unknown) => {
        // The outbox's database is down: its own breaker logs that; try at the next poll.
        this.#options.logger.debug({ code: failureCode(error) }, 'mail queue: outbox unreadable');
        return false;
      });
      if (full) this.#again = true;
    } while (this.#again && !this.#stopped);
  }

  /** Returns true when the batch was full (more may be due). */
  async #pass(): Promise<boolean> {
    const batchSize = this.#options.batchSize ?? 20;
    let batch: QueuedMail[] = [];
    // While the mail server is known to be down, nothing is claimed (nor counted as an attempt).
    if (!this.breaker.opened) {
      batch = await this.#options.store.claimDue(
        new Date(this.#clock()),
        batchSize,
        this.#options.leaseMs ?? 60_000,
      );
      for (const mail of batch) {
        if (this.#stopped) break;
        await this.#deliver(mail);
      }
    }
    await this.#housekeeping();
    return batch.length === batchSize;
  }

  async #deliver(mail: QueuedMail): Promise<void> {
    const { store, logger } = this.#options;
    const fields = { outboxId: mail.id, kind: mail.message.kind, attempts: mail.attempts };
    try {
      await this.breaker.fire({ ...mail.message, deliveryId: mail.id });
    } catch (error) {
      await this.#failed(mail, error);
      return;
    }
    // Only now: a crash before this line sends the message again, with the same Message-ID.
    await store.markSent(mail.id, new Date(this.#clock()));
    this.#options.metrics?.deliveries.inc({ outcome: 'sent' });
    if (mail.attempts > 0)
      logger.info({ ...fields, attempts: mail.attempts + 1 }, 'queued mail sent');
  }

  async #failed(mail: QueuedMail, error: unknown): Promise<void> {
    const { store, logger } = this.#options;
    const now = this.#clock();
    if (isBreakerOpenError(error)) {
      await store.postpone(mail.id, new Date(now + this.#options.breakerResetMs));
      return;
    }
    const count = mail.attempts + 1;
    const errorCode = failureCode(error);
    const fields = { outboxId: mail.id, kind: mail.message.kind, attempts: count, code: errorCode };
    const tooOld = now - mail.createdAt.getTime() >= this.#options.maxAgeMs;
    if (isPermanentMailFailure(error) || tooOld) {
      await store.giveUp(mail.id, { count, errorCode, now: new Date(now) });
      this.#options.metrics?.deliveries.inc({ outcome: 'given_up' });
      logger.warn(
        { ...fields, reason: tooOld ? 'too_old' : 'refused' },
        'mail given up: it will not be sent',
      );
      return;
    }
    const delay = retryDelayMs(count, this.#options.retry, this.#options.random);
    await store.retryLater(mail.id, { count, errorCode, at: new Date(now + delay) });
    this.#options.metrics?.deliveries.inc({ outcome: 'retry' });
    // The outage itself is logged once by the smtp breaker; each postponed mail only at debug.
    logger.debug({ ...fields, retryInMs: delay }, 'mail not sent, will retry');
  }

  async #housekeeping(): Promise<void> {
    const { store } = this.#options;
    const now = this.#clock();
    if (now - this.#lastPrune > 3_600_000) {
      this.#lastPrune = now;
      await store.prune(new Date(now - FINISHED_RETENTION_MS));
    }
  }
}
