// The CLI's audit sink: a command records a handful of events, stored together before it exits.
// A failure to store them fails the command (exit 1), so an unaudited change does not pass quietly.
import type { AuditSink, NewAuditEvent } from '../admin/admin-ports.js';
import type { AuditBatchStore } from '../audit/sql-audit-store.js';
import { CliError } from './cli-io.js';

export class BufferedAuditSink implements AuditSink {
  readonly #store: AuditBatchStore;
  #pending: NewAuditEvent[] = [];

  constructor(store: AuditBatchStore) {
    this.#store = store;
  }

  record(event: NewAuditEvent): void {
    this.#pending.push(event);
  }

  async flush(): Promise<void> {
    const events = this.#pending;
    this.#pending = [];
    if (events.length === 0) return;
    try {
      await this.#store.insertBatch(events);
    } catch (error) {
      const types = [...new Set(events.map((event) => event.type))].join(', ');
      throw new CliError(
        `the change was made, but its audit event (${types}) could not be stored: ${String(error)}`,
      );
    }
  }
}
