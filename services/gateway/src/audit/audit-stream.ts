// The gateway's audit events and the Redis stream that carries them to auth (the gateway has no
// database; auth reads the stream with a consumer group and stores each event with its own).

/**
 * Source of truth: `AUDIT_STREAM` in services/auth/src/admin/admin-ports.ts (copied: the gateway
 * does not import auth). Each entry has one field, `event`, holding the JSON of a
 * {@link GatewayAuditEvent}.
 */
export const AUDIT_STREAM = 'authflow:audit';
/** The stream is trimmed to about this many entries (`XADD … MAXLEN ~`): auth reads far faster. */
export const AUDIT_STREAM_MAX_ENTRIES = 100_000;

/**
 * One security event, in the shape of auth's `NewAuditEvent` (admin-ports.ts), so auth stores it
 * as it stores its own, and an `AuditSink` of auth can receive it directly (all-in-one).
 */
export interface GatewayAuditEvent {
  /** Epoch milliseconds. */
  readonly at: number;
  /** `access.denied`, `session.fingerprint_mismatch`. */
  readonly type: string;
  readonly userId: string | null;
  /** Who acted, when not the user: never, for the gateway's events. */
  readonly actor: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly requestId: string | null;
  readonly source: 'gateway';
  /** Never secrets: no tokens, cookies or assertions. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** What the gateway's plugins hand over: the recorder adds the time and the source. */
export type AuditFacts = Omit<GatewayAuditEvent, 'at' | 'source' | 'actor'>;

/** Where events go. Never blocks and never throws: a request is never held up or failed by it. */
export interface AuditRecorder {
  record(facts: AuditFacts): void;
}

/** Where an event is handed when the gateway shares a process with auth (all-in-one mode). */
export interface AuditSink {
  record(event: GatewayAuditEvent): void;
}
