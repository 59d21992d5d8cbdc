// Administration ports (issue 17): the user directory both identity providers offer to admins,
// and the audit log. The admin API and the admin CLI use these; nothing here speaks HTTP.

/** A user as an administrator sees them. Never a secret. */
export interface AdminUser {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
  /** A disabled user cannot sign in, and has no session. */
  readonly disabled: boolean;
  readonly createdAt: number;
}

export interface UserPage {
  readonly users: readonly AdminUser[];
  /** Opaque; pass it back for the next page. `null` on the last page. */
  readonly nextCursor: string | null;
}

export interface UserListQuery {
  /** From a previous page; pages are stable under concurrent inserts (keyset on creation, id). */
  readonly cursor?: string | undefined;
  /** 1–200. */
  readonly limit: number;
  /** Case-insensitive substring of the address. */
  readonly search?: string | undefined;
}

/** Roles are lower-case words: letters, digits, `_`, `-`, `:` and `.`, 1–64 characters. */
export const ROLE_PATTERN = /^[a-z0-9][a-z0-9_.:-]{0,63}$/u;

/**
 * Admin operations on accounts, wherever they live. Built-in: the users table (roles and a
 * disabled flag with the user). Supabase: `app_metadata.roles` (users cannot edit it) and a ban.
 */
export interface UserDirectory {
  listUsers(query: UserListQuery): Promise<UserPage>;
  getUser(userId: string): Promise<AdminUser | null>;
  findByEmail(email: string): Promise<AdminUser | null>;
  /** Replaces the user's roles; null when the user is unknown. */
  setRoles(userId: string, roles: readonly string[]): Promise<AdminUser | null>;
  /** Disables or enables sign-in; null when the user is unknown. */
  setDisabled(userId: string, disabled: boolean): Promise<AdminUser | null>;
  /** Deletes the account for good (no password: an admin act); null when unknown. */
  deleteUser(userId: string): Promise<AdminUser | null>;
}

/** One security event. Times are epoch milliseconds. */
export interface AuditEvent {
  /** Assigned when stored (monotonic, usable as a cursor). */
  readonly id: string;
  readonly at: number;
  /** e.g. `login.succeeded`, `session.revoked`, `access.denied`, `admin.roles.set`. */
  readonly type: string;
  /** The user the event is about. */
  readonly userId: string | null;
  /** Who acted, when not the user themself (an admin, `cli:<os user>`). */
  readonly actor: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly requestId: string | null;
  /** Which process saw it: `auth`, `gateway`, `cli`. */
  readonly source: string;
  /** The rest of the event's fields (never secrets: no tokens, codes, passwords, cookies). */
  readonly details: Readonly<Record<string, unknown>>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id'>;

/** Where events are written: never blocks and never throws (a bounded queue behind it). */
export interface AuditSink {
  record(event: NewAuditEvent): void;
}

export interface AuditQuery {
  readonly userId?: string | undefined;
  /** An exact type, or a prefix ending in `.` (`session.` matches `session.revoked`). */
  readonly type?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Newest first; pass `nextCursor` back for older events. */
  readonly cursor?: string | undefined;
  /** 1–500. */
  readonly limit: number;
}

export interface AuditLog {
  query(query: AuditQuery): Promise<{ events: AuditEvent[]; nextCursor: string | null }>;
}

/**
 * The Redis stream where the gateway (which has no database) puts its audit events; auth reads
 * it with a consumer group and stores each event, then acknowledges it. Each entry has one
 * field `event` holding the JSON of a {@link NewAuditEvent}.
 */
export const AUDIT_STREAM = 'authflow:audit';
export const AUDIT_STREAM_GROUP = 'authflow-auth';
