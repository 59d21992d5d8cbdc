// Administration of accounts, sessions and the audit log, for the admin API and the CLI alike.
// No HTTP here: "not there" is `null`, a failing store throws. Every change is audited.
import type { AssuranceLevel, SessionRecord, SessionStore } from '@authflow/sessions';
import type {
  AdminUser,
  AuditEvent,
  AuditLog,
  AuditQuery,
  AuditSink,
  UserDirectory,
  UserListQuery,
  UserPage,
} from './admin-ports.js';
import { roleList } from './admin-inputs.js';
import {
  type AccessExplanation,
  type ExplainRequest,
  type PolicyExplainer,
  PolicyExplainUnavailableError,
} from './policy-explainer.js';

export { PolicyExplainUnavailableError };

/** Who performs an admin action, as the audit log records it. */
export interface AdminActor {
  /** The audit event's `actor`: the admin's user id, or `cli:<os user>`. */
  readonly id: string;
  /** The admin's address, kept in the event's details (ids alone are hard to read later). */
  readonly email?: string | undefined;
  readonly ip?: string | null | undefined;
  readonly requestId?: string | null | undefined;
  /** Which process acted: `auth` (the admin API) or `cli`. */
  readonly source: 'auth' | 'cli';
}

export interface AdminServiceOptions {
  readonly directory: UserDirectory;
  readonly store: SessionStore;
  readonly audit: AuditSink;
  readonly auditLog: AuditLog;
  /** Answers `explain`; without one, `explain` throws {@link PolicyExplainUnavailableError}. */
  readonly explainer?: PolicyExplainer | undefined;
  readonly clock?: () => number;
}

/** A user's sessions changed along with them: how many. */
export interface UserChange {
  readonly user: AdminUser;
  readonly sessions: number;
}

export interface Explained {
  readonly user: AdminUser;
  /** The assurance level the explained session has. */
  readonly aal: AssuranceLevel;
  /** True when `aal` was not given: the best the user can reach (aal2) is assumed. */
  readonly aalAssumed: boolean;
  readonly explanation: AccessExplanation;
}

export class AdminService {
  readonly #directory: UserDirectory;
  readonly #store: SessionStore;
  readonly #audit: AuditSink;
  readonly #auditLog: AuditLog;
  readonly #explainer: PolicyExplainer | undefined;
  readonly #clock: () => number;

  constructor(options: AdminServiceOptions) {
    this.#directory = options.directory;
    this.#store = options.store;
    this.#audit = options.audit;
    this.#auditLog = options.auditLog;
    this.#explainer = options.explainer;
    this.#clock = options.clock ?? Date.now;
  }

  listUsers(query: UserListQuery): Promise<UserPage> {
    return this.#directory.listUsers(query);
  }

  getUser(userId: string): Promise<AdminUser | null> {
    return this.#directory.getUser(userId);
  }

  findUserByEmail(email: string): Promise<AdminUser | null> {
    return this.#directory.findByEmail(email.trim());
  }

  /**
   * Replaces the user's roles, then those of every live session of the user (each is published
   * on the revocation channel, so gateways re-read it: the new roles apply within a second
   * without anyone signing in again). Audited even when the sessions could not be updated (the
   * directory already holds the new roles); that failure is then thrown, and repeating the call
   * finishes the job.
   */
  async setRoles(
    actor: AdminActor,
    userId: string,
    roles: readonly string[],
  ): Promise<UserChange | null> {
    const parsed = roleList.safeParse(roles);
    if (!parsed.success) throw new RangeError('roles must be lower-case role names, at most 64');
    const before = await this.#directory.getUser(userId);
    if (before === null) return null;
    const user = await this.#directory.setRoles(userId, parsed.data);
    if (user === null) return null;
    const details = {
      email: user.email,
      roles_before: [...before.roles],
      roles_after: [...user.roles],
    };
    const updated = await this.#acrossSessions(actor, 'admin.roles.set', user, details, () =>
      this.#store.setRolesForUser(userId, user.roles),
    );
    return { user, sessions: updated.length };
  }

  /**
   * Disables sign-in first (no new session can open), then ends every session at once (each
   * id published: gateways refuse it from the next request).
   */
  async disable(actor: AdminActor, userId: string): Promise<UserChange | null> {
    const user = await this.#directory.setDisabled(userId, true);
    if (user === null) return null;
    const revoked = await this.#acrossSessions(
      actor,
      'admin.user.disabled',
      user,
      { email: user.email },
      () => this.#store.revokeAllForUser(userId),
    );
    return { user, sessions: revoked.length };
  }

  async enable(actor: AdminActor, userId: string): Promise<AdminUser | null> {
    const user = await this.#directory.setDisabled(userId, false);
    if (user !== null) this.#record(actor, 'admin.user.enabled', user.id, { email: user.email });
    return user;
  }

  /**
   * Deletes the account with its sessions: disabled first (no sign-in can slip in between),
   * sessions ended, then the account removed. A failure part-way leaves a disabled account
   * that the same call removes when repeated.
   */
  async deleteUser(actor: AdminActor, userId: string): Promise<UserChange | null> {
    const disabled = await this.#directory.setDisabled(userId, true);
    if (disabled === null) return null;
    const revoked = await this.#store.revokeAllForUser(userId);
    const user = await this.#directory.deleteUser(userId);
    if (user === null) return null;
    this.#record(actor, 'admin.user.deleted', user.id, {
      email: user.email,
      roles: [...user.roles],
      sessions_revoked: revoked.length,
    });
    return { user, sessions: revoked.length };
  }

  /** The user's live sessions, oldest first; null when the user is unknown. */
  async listSessions(userId: string): Promise<SessionRecord[] | null> {
    if ((await this.#directory.getUser(userId)) === null) return null;
    return this.#store.listForUser(userId);
  }

  /** Ends one session of the user; false when the user has no such live session. */
  async revokeSession(actor: AdminActor, userId: string, sessionId: string): Promise<boolean> {
    const revoked = await this.#store.revoke(sessionId, { userId });
    if (revoked) this.#record(actor, 'admin.session.revoked', userId, { scope: 'one' }, sessionId);
    return revoked;
  }

  /** Ends every session of the user; null when the user is unknown. */
  async revokeAllSessions(actor: AdminActor, userId: string): Promise<string[] | null> {
    const user = await this.#directory.getUser(userId);
    if (user === null) return null;
    const revoked = await this.#store.revokeAllForUser(userId);
    this.#record(actor, 'admin.session.revoked', userId, {
      scope: 'all',
      email: user.email,
      session_ids: revoked,
      sessions_revoked: revoked.length,
    });
    return revoked;
  }

  queryAudit(query: AuditQuery): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
    return this.#auditLog.query(query);
  }

  /**
   * What the gateway would decide for `request` from a session of the user, without sending
   * anything anywhere. The session has the user's current roles and address status and the
   * given assurance level, else aal2 (the best reachable: a route that still refuses at aal2
   * refuses the user whatever they do). Null when no account has the address.
   */
  async explain(
    request: ExplainRequest,
    userEmail: string,
    aal?: AssuranceLevel,
  ): Promise<Explained | null> {
    if (this.#explainer === undefined)
      throw new PolicyExplainUnavailableError('auth was started without the gateway routes file');
    const user = await this.findUserByEmail(userEmail);
    if (user === null) return null;
    const level = aal ?? 'aal2';
    const explanation = await this.#explainer.explain(request, {
      userId: user.id,
      roles: user.roles,
      emailVerified: user.emailVerified,
      aal: level,
      amr: level === 'aal2' ? ['pwd', 'mfa'] : ['pwd'],
      mfaAt: level === 'aal2' ? this.#clock() : null,
    });
    return { user, aal: level, aalAssumed: aal === undefined, explanation };
  }

  /**
   * Runs a change across the user's sessions after the directory changed, and audits the action
   * either way: with the number of sessions changed, or with the failure (then rethrown).
   */
  async #acrossSessions(
    actor: AdminActor,
    type: string,
    user: AdminUser,
    details: Readonly<Record<string, unknown>>,
    change: () => Promise<string[]>,
  ): Promise<string[]> {
    try {
      const ids = await change();
      this.#record(actor, type, user.id, { ...details, sessions: ids.length });
      return ids;
    } catch (error) {
      this.#record(actor, type, user.id, { ...details, sessions_failed: error });
      throw error;
    }
  }

  #record(
    actor: AdminActor,
    type: string,
    userId: string,
    details: Readonly<Record<string, unknown>>,
    sessionId: string | null = null,
  ): void {
    this.#audit.record({
      at: this.#clock(),
      type,
      userId,
      actor: actor.id,
      sessionId,
      ip: actor.ip ?? null,
      requestId: actor.requestId ?? null,
      source: actor.source,
      details: actor.email === undefined ? details : { ...details, actor_email: actor.email },
    });
  }
}
