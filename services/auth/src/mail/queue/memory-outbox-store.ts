// The OutboxStore in process memory: for the Supabase provider, which has no database of ours.
// Retries and backoff work the same; what is queued is lost if the process stops.
import { randomUUID } from 'node:crypto';
import type { MailMessage } from '../mailer.js';
import type { OutboxStore, QueuedMail } from './outbox-store.js';

interface Entry {
  readonly id: string;
  readonly createdAt: Date;
  message: MailMessage | undefined;
  attempts: number;
  nextAttemptAt: number;
  claimedUntil: number;
  finishedAt: number | undefined;
}

/** Beyond this many unsent messages, the oldest is dropped: memory stays bounded. */
const MAX_PENDING = 10_000;

export class MemoryOutboxStore implements OutboxStore {
  readonly #entries = new Map<string, Entry>();

  add(message: MailMessage, now: Date): Promise<string> {
    const id = randomUUID();
    if (this.#pending().length >= MAX_PENDING) {
      const oldest = this.#pending()[0];
      if (oldest !== undefined) this.#finish(oldest, now.getTime());
    }
    this.#entries.set(id, {
      id,
      createdAt: now,
      message,
      attempts: 0,
      nextAttemptAt: now.getTime(),
      claimedUntil: 0,
      finishedAt: undefined,
    });
    return Promise.resolve(id);
  }

  claimDue(now: Date, limit: number, leaseMs: number): Promise<QueuedMail[]> {
    const at = now.getTime();
    const due = this.#pending()
      .filter((entry) => entry.nextAttemptAt <= at && entry.claimedUntil <= at)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .slice(0, limit);
    return Promise.resolve(
      due.flatMap((entry) => {
        entry.claimedUntil = at + leaseMs;
        return entry.message === undefined
          ? []
          : [
              {
                id: entry.id,
                message: entry.message,
                attempts: entry.attempts,
                createdAt: entry.createdAt,
              },
            ];
      }),
    );
  }

  markSent(id: string, now: Date): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      entry.attempts += 1;
      this.#finish(entry, now.getTime());
    }
    return Promise.resolve();
  }

  retryLater(id: string, attempt: { count: number; at: Date }): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      entry.attempts = attempt.count;
      entry.nextAttemptAt = attempt.at.getTime();
      entry.claimedUntil = 0;
    }
    return Promise.resolve();
  }

  postpone(id: string, at: Date): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      entry.nextAttemptAt = at.getTime();
      entry.claimedUntil = 0;
    }
    return Promise.resolve();
  }

  giveUp(id: string, attempt: { count: number; now: Date }): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      entry.attempts = attempt.count;
      this.#finish(entry, attempt.now.getTime());
    }
    return Promise.resolve();
  }

  depth(): Promise<number> {
    return Promise.resolve(this.#pending().length);
  }

  prune(before: Date): Promise<void> {
    for (const [id, entry] of this.#entries)
      if (entry.finishedAt !== undefined && entry.finishedAt < before.getTime())
        this.#entries.delete(id);
    return Promise.resolve();
  }

  #pending(): Entry[] {
    return [...this.#entries.values()].filter((entry) => entry.finishedAt === undefined);
  }

  #finish(entry: Entry, at: number): void {
    entry.finishedAt = at;
    entry.message = undefined;
  }
}
