// The audit log's metrics, registered on the app's registry next to auth's others.
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../observability/auth-metrics.js';

/** Why an event was not stored. */
export type AuditDropReason =
  /** The in-memory queue was full (the database had been down for a while). */
  | 'queue_full'
  /** The database refused the event itself (not an outage): retrying would not help. */
  | 'rejected'
  /** A stream entry that is not an audit event (acknowledged, never stored). */
  | 'invalid'
  /** Recorded after the writer was closed, or still queued when its close deadline passed. */
  | 'closed';

export interface AuditMetrics {
  readonly dropped: Counter<'reason'>;
  readonly stored: Counter;
  /** Where `audit_queue_depth` is read at each scrape (the writer registers itself). */
  measureQueueDepth(read: () => number): void;
}

/**
 * `authflow_auth_audit_dropped_total{reason}`, `authflow_auth_audit_stored_total` and
 * `authflow_auth_audit_queue_depth`, on `registry` (the app's `app.metrics`).
 */
export function createAuditMetrics(registry: Registry, prefix = METRIC_PREFIX): AuditMetrics {
  let readDepth: (() => number) | undefined;
  const dropped = new Counter({
    name: `${prefix}audit_dropped_total`,
    help: 'Audit events not stored, by reason (queue_full, rejected, invalid, closed)',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Present at 0 from the start, so an alert on increase() sees the first drop.
  for (const reason of ['queue_full', 'rejected', 'invalid', 'closed'] as const)
    dropped.inc({ reason }, 0);
  const stored = new Counter({
    name: `${prefix}audit_stored_total`,
    help: 'Audit events written to the database',
    registers: [registry],
  });
  const depth: Gauge = new Gauge({
    name: `${prefix}audit_queue_depth`,
    help: 'Audit events waiting in memory to be written (they wait through a database outage)',
    registers: [registry],
    collect: () => {
      if (readDepth !== undefined) depth.set(readDepth());
    },
  });
  return {
    dropped,
    stored,
    measureQueueDepth: (read) => {
      readDepth = read;
    },
  };
}
