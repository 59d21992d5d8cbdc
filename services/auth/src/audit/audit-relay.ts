// An AuditSink to hand out before the writer exists: the service's logger is made before its
// database is open, so the log capture records here and the writer is connected once it is built.
import type { AuditSink, NewAuditEvent } from '../admin/admin-ports.js';
import { DROPPED_EVENT_TYPE } from './audit-writer.js';

export class AuditRelay implements AuditSink {
  readonly #capacity: number;
  #target: AuditSink | undefined;
  #early: NewAuditEvent[] = [];
  #overflow = 0;
  #firstOverflowAt = 0;

  /** `capacity`: events kept until `connect` (start-up only logs a few). */
  constructor(capacity = 1_000) {
    this.#capacity = capacity;
  }

  record(event: NewAuditEvent): void {
    if (this.#target !== undefined) {
      this.#target.record(event);
      return;
    }
    if (this.#early.length < this.#capacity) {
      this.#early.push(event);
      return;
    }
    if (this.#overflow === 0) this.#firstOverflowAt = event.at;
    this.#overflow += 1;
  }

  /** From now on events go to `target`; those recorded before go first, in order. */
  connect(target: AuditSink): void {
    if (this.#target !== undefined) throw new Error('audit: the relay is already connected');
    this.#target = target;
    for (const event of this.#early.splice(0)) target.record(event);
    if (this.#overflow === 0) return;
    // Not silent: the gap is an event of its own, as the writer does for its queue.
    target.record({
      at: Date.now(),
      type: DROPPED_EVENT_TYPE,
      userId: null,
      actor: null,
      sessionId: null,
      ip: null,
      requestId: null,
      source: 'auth',
      details: { reason: 'before_start', count: this.#overflow, from: this.#firstOverflowAt },
    });
    this.#overflow = 0;
  }
}
