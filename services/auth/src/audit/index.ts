// Public surface of the audit log: the table's store, the writer behind the AuditSink port, the
// log capture, the gateway stream's consumer and retention.
export { AuditRelay } from './audit-relay.js';
export { AuditRetention, type AuditRetentionOptions } from './audit-retention.js';
export { type AuditDropReason, type AuditMetrics, createAuditMetrics } from './audit-metrics.js';
export { AuditStreamConsumer, type AuditStreamConsumerOptions } from './audit-stream-consumer.js';
export {
  auditStreamFields,
  newAuditEventSchema,
  parseAuditStreamEntry,
} from './audit-stream-entry.js';
export { type AuditBreaker } from './audit-inserter.js';
export { AuditWriter, type AuditWriterOptions, DROPPED_EVENT_TYPE } from './audit-writer.js';
export {
  type AuditCaptureOptions,
  auditEventFromLog,
  captureAuditLogs,
  type ChildLogger,
} from './capture-audit-logs.js';
export type { AuditLogger } from './drop-report.js';
export {
  type AuditBatchStore,
  type AuditRecord,
  isAuditCursor,
  MAX_AUDIT_PAGE,
  SqlAuditStore,
} from './sql-audit-store.js';
