// Open WebSockets are checked against the store again after any spell in which a revocation could
// have been missed, and closed when the store cannot vouch for them for longer than a grace.
import type { SessionRecord } from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocketRegistry } from '../proxy/websocket-registry.js';

/** Why the store is in doubt: revocation messages not arriving, or the store not answering. */
type DoubtReason = 'subscription' | 'breaker';

export interface WebSocketRecheckOptions {
  readonly websockets: WebSocketRegistry;
  /** The session as the store has it now (`null`: gone, revoked or expired); throws when unavailable. */
  readonly find: (sessionId: string) => Promise<SessionRecord | null>;
  readonly logger: FastifyBaseLogger;
  /** How long a socket may stay open without the store vouching for its session. */
  readonly graceMs: number;
  /** Lookups in flight at once during a re-check (sessions, not sockets). */
  readonly concurrency?: number;
  /** Wait before retrying a re-check the store did not answer. */
  readonly retryMs?: number;
  readonly clock?: () => number;
}

/**
 * A socket is vouched for at its upgrade and, afterwards, by revocation messages. While the
 * subscription is down (or the store unreachable) messages may be lost, so:
 * - when both are back, every socket not vouched for since then is re-checked (one lookup per
 *   session, a bounded number at a time) and closed with 4401 if its session is gone;
 * - a socket the store has not vouched for within `graceMs` of the doubt starting is closed with
 *   1013 ("try again later"): fail closed, as HTTP requests do with 503.
 * A session that is fine is never closed by a re-check; only by the grace, when it cannot be told.
 */
export class WebSocketRecheck {
  readonly #options: WebSocketRecheckOptions;
  readonly #clock: () => number;
  readonly #reasons = new Set<DoubtReason>();
  /** Start of the current doubt; undefined when every socket is vouched for. */
  #doubtSince: number | undefined;
  /** When the store was last back; sockets vouched for before it need a re-check. */
  #backAt = 0;
  #graceTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #running = false;
  #closed = false;

  constructor(options: WebSocketRecheckOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  lost(reason: DoubtReason): void {
    if (this.#closed) return;
    this.#reasons.add(reason);
    if (this.#doubtSince !== undefined) return;
    this.#doubtSince = this.#clock();
    const tick = Math.min(1_000, Math.max(50, Math.floor(this.#options.graceMs / 10)));
    this.#graceTimer = setInterval(() => this.#enforceGrace(), tick);
    this.#graceTimer.unref();
  }

  back(reason: DoubtReason): void {
    if (this.#closed) return;
    this.#reasons.delete(reason);
    if (this.#reasons.size > 0 || this.#doubtSince === undefined) return;
    this.#backAt = this.#clock();
    void this.#recheck();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#graceTimer);
    clearTimeout(this.#retryTimer);
  }

  #enforceGrace(): void {
    if (this.#doubtSince === undefined) return;
    const cutoff = this.#clock() - this.#options.graceMs;
    if (this.#doubtSince > cutoff) return;
    const closed = this.#options.websockets.closeVerifiedBefore(
      cutoff,
      'session store unavailable',
    );
    if (closed > 0)
      this.#options.logger.warn(
        { event: 'websocket.closed', reason: 'session_store_unavailable', closed },
        `closed ${closed} WebSockets: their sessions could not be checked for ${this.#options.graceMs} ms`,
      );
  }

  async #recheck(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    let checked = 0;
    let ended = 0;
    try {
      // Repeated until nothing is left: sockets attached meanwhile, or a new loss-and-back.
      for (;;) {
        if (this.#reasons.size > 0 || this.#closed) return;
        const sessions = this.#options.websockets.sessionsVerifiedBefore(this.#backAt);
        if (sessions.length === 0) break;
        await this.#checkAll(sessions, (sessionId, record, at) => {
          checked += 1;
          if (record === null)
            ended += this.#options.websockets.closeSession(sessionId, 'session ended');
          else this.#options.websockets.markVerified(sessionId, at);
        });
      }
      this.#settle(checked, ended);
    } catch {
      // The store is not answering yet: try again shortly, while the grace keeps running.
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        void this.#recheck();
      }, this.#options.retryMs ?? 1_000);
      this.#retryTimer.unref();
    } finally {
      this.#running = false;
    }
  }

  /** Looks sessions up with at most `concurrency` in flight; stops at the first failure. */
  async #checkAll(
    sessions: readonly string[],
    onResult: (sessionId: string, record: SessionRecord | null, at: number) => void,
  ): Promise<void> {
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next < sessions.length && !failed) {
        const sessionId = sessions[next] ?? '';
        next += 1;
        const at = this.#clock();
        try {
          const record = await this.#options.find(sessionId);
          const alive = record !== null && record.absoluteExpiresAt > this.#clock();
          onResult(sessionId, alive ? record : null, at);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    const workers = Math.min(this.#options.concurrency ?? 32, sessions.length);
    await Promise.all(Array.from({ length: workers }, worker));
  }

  #settle(checked: number, ended: number): void {
    clearInterval(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#doubtSince = undefined;
    if (checked > 0)
      this.#options.logger.info(
        { event: 'websocket.rechecked', sessions: checked, closed: ended },
        `re-checked the sessions of open WebSockets; closed ${ended} whose session had ended`,
      );
  }
}
