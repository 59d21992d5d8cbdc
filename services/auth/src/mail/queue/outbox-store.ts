// Where queued mail waits: the OutboxStore port and its SQL adapter (the built-in store's
// Postgres or PGlite database, table mail_outbox).
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../identity/builtin/database.js';
import type { MailKind, MailMessage } from '../mailer.js';

export interface QueuedMail {
  /** Stable across attempts: it becomes the Message-ID, so a resend can be recognised. */
  readonly id: string;
  readonly message: MailMessage;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly createdAt: Date;
}

export interface OutboxStore {
  /** Queues a message, due at once; returns its id. */
  add(message: MailMessage, now: Date): Promise<string>;
  /**
   * Claims up to `limit` due messages for `leaseMs`: no other worker gets them meanwhile, and a
   * worker that dies lets them become due again when the lease runs out.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<QueuedMail[]>;
  /** The server accepted it: never sent again; the body is dropped. */
  markSent(id: string, now: Date): Promise<void>;
  /** A failed attempt: counted, with the error code, due again at `at`. */
  retryLater(id: string, attempt: { count: number; errorCode: string; at: Date }): Promise<void>;
  /** Not attempted (the mail server is known to be down): due again at `at`, nothing counted. */
  postpone(id: string, at: Date): Promise<void>;
  /** Never to be sent (refused for good, or too old); the body is dropped. */
  giveUp(id: string, attempt: { count: number; errorCode: string; now: Date }): Promise<void>;
  /** Messages neither sent nor given up. */
  depth(): Promise<number>;
  /** Forgets finished messages older than `before`. */
  prune(before: Date): Promise<void>;
}

interface OutboxRow {
  readonly id: string;
  readonly kind: MailKind;
  readonly recipient: string;
  readonly subject: string;
  readonly text_body: string;
  readonly html_body: string;
  readonly attempts: number;
  readonly created_at: Date;
  readonly next_attempt_at: Date;
}

export class SqlOutboxStore implements OutboxStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async add(message: MailMessage, now: Date): Promise<string> {
    const id = randomUUID();
    await this.#db.query(
      `insert into mail_outbox (id, kind, recipient, subject, text_body, html_body, created_at, next_attempt_at)
       values ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [id, message.kind, message.to, message.subject, message.text, message.html, now],
    );
    return id;
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<QueuedMail[]> {
    // SKIP LOCKED: two instances claiming at once each get other rows, neither waits.
    const { rows } = await this.#db.query<OutboxRow>(
      `update mail_outbox set claimed_until = $2
       where id in (
         select id from mail_outbox
         where sent_at is null and given_up_at is null and next_attempt_at <= $1
           and (claimed_until is null or claimed_until <= $1)
         order by next_attempt_at
         limit $3
         for update skip locked)
       returning id, kind, recipient, subject, text_body, html_body, attempts, created_at, next_attempt_at`,
      [now, new Date(now.getTime() + leaseMs), limit],
    );
    // RETURNING keeps no order: the longest-waiting go first.
    rows.sort((a, b) => a.next_attempt_at.getTime() - b.next_attempt_at.getTime());
    return rows.map((row) => ({
      id: row.id,
      attempts: row.attempts,
      createdAt: row.created_at,
      message: {
        kind: row.kind,
        to: row.recipient,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body,
      },
    }));
  }

  async markSent(id: string, now: Date): Promise<void> {
    await this.#db.query(
      `update mail_outbox set sent_at = $2, attempts = attempts + 1, claimed_until = null,
         subject = null, text_body = null, html_body = null
       where id = $1`,
      [id, now],
    );
  }

  async retryLater(
    id: string,
    attempt: { count: number; errorCode: string; at: Date },
  ): Promise<void> {
    await this.#db.query(
      `update mail_outbox set attempts = $2, last_error = $3, next_attempt_at = $4, claimed_until = null
       where id = $1`,
      [id, attempt.count, attempt.errorCode, attempt.at],
    );
  }

  async postpone(id: string, at: Date): Promise<void> {
    await this.#db.query(
      'update mail_outbox set next_attempt_at = $2, claimed_until = null where id = $1',
      [id, at],
    );
  }

  async giveUp(
    id: string,
    attempt: { count: number; errorCode: string; now: Date },
  ): Promise<void> {
    await this.#db.query(
      `update mail_outbox set given_up_at = $4, attempts = $2, last_error = $3, claimed_until = null,
         subject = null, text_body = null, html_body = null
       where id = $1`,
      [id, attempt.count, attempt.errorCode, attempt.now],
    );
  }

  async depth(): Promise<number> {
    const { rows } = await this.#db.query<{ depth: number }>(
      'select count(*)::int as depth from mail_outbox where sent_at is null and given_up_at is null',
    );
    return rows[0]?.depth ?? 0;
  }

  async prune(before: Date): Promise<void> {
    await this.#db.query('delete from mail_outbox where coalesce(sent_at, given_up_at) < $1', [
      before,
    ]);
  }
}
