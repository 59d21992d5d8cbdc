// Runs one verification: cookie → session id → lookup → verdict → side effects (revoke, touch).
import {
  createFingerprintMemo,
  type FingerprintMemo,
  type FingerprintPolicy,
  fingerprintInputFromHeaders,
  type HeaderBag,
  type IpGranularity,
} from '@authflow/fingerprint';
import {
  type DenialReason,
  isWellFormedSessionToken,
  readCookie,
  type SessionRecord,
  sessionIdFromToken,
  verifySession,
} from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditRecorder } from '../audit/audit-stream.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import type { SessionAccess } from '../session/session-access.js';

export type Outcome =
  | { readonly kind: 'allow'; readonly session: SessionRecord }
  | { readonly kind: 'deny'; readonly reason: DenialReason; readonly sessionId?: string }
  | { readonly kind: 'unavailable'; readonly sessionId: string };

export interface VerifierOptions {
  readonly access: SessionAccess;
  readonly metrics: GatewayMetrics;
  readonly logger: FastifyBaseLogger;
  /** Where a fingerprint mismatch is recorded (`session.fingerprint_mismatch`). */
  readonly audit: AuditRecorder;
  readonly cookieName: string;
  readonly policy: FingerprintPolicy;
  readonly ipGranularity: IpGranularity;
  readonly clock?: () => number;
}

export interface RequestFacts {
  readonly headers: HeaderBag;
  /** The client IP behind trusted proxies (fastify `request.ip`). */
  readonly ip: string;
  readonly requestId: string;
}

/** Distinct browser header sets (with client IP) whose fingerprint is remembered. */
const FINGERPRINT_MEMO_ENTRIES = 4_096;

export class SessionVerifier {
  readonly #options: VerifierOptions;
  readonly #clock: () => number;
  readonly #fingerprints: FingerprintMemo;

  constructor(options: VerifierOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    // Clients repeat the same few header sets; a digest computed once serves every request.
    this.#fingerprints = createFingerprintMemo({
      ipGranularity: options.ipGranularity,
      maxEntries: FINGERPRINT_MEMO_ENTRIES,
    });
  }

  /** True when the request carries the session cookie at all (good or bad). */
  carriesSessionCookie(headers: RequestFacts['headers']): boolean {
    const token = this.#tokenOf(headers);
    return token !== undefined && token !== '';
  }

  /** See SessionAccess.forget. */
  forget(sessionId: string): void {
    this.#options.access.forget(sessionId);
  }

  /**
   * The fast path's verification (fast-path.ts): the session when the request carries a
   * well-formed cookie for a session in this instance's cache, from the same device, with nothing
   * to record (no fingerprint part observed to differ); otherwise `undefined`, having changed
   * nothing, and `verify` decides. Nothing is counted until `keep` is called for the session.
   */
  verifyCached(facts: Pick<RequestFacts, 'headers' | 'ip'>): SessionRecord | undefined {
    const token = this.#tokenOf(facts.headers);
    if (token === undefined || !isWellFormedSessionToken(token)) return undefined;
    const session = this.#options.access.cached(sessionIdFromToken(token));
    if (session === undefined) return undefined;
    const verdict = this.#verdictFor(session, facts);
    return verdict.ok && verdict.observed.length === 0 ? verdict.session : undefined;
  }

  /** What `verify` does for an allowed session from the cache: the counts, and the idle touch. */
  keep(session: SessionRecord): void {
    this.#options.access.countHit();
    this.#allow(session);
  }

  async verify(facts: RequestFacts): Promise<Outcome> {
    const { access, metrics, logger } = this.#options;
    const token = this.#tokenOf(facts.headers);
    if (token === undefined || token === '') return this.#deny('unauthenticated');
    // A malformed cookie is treated like an unknown session (and expired), without a lookup.
    if (!isWellFormedSessionToken(token)) return this.#deny('session_invalid');
    const sessionId = sessionIdFromToken(token);

    let session: SessionRecord | null;
    try {
      session = await access.find(sessionId);
    } catch (error) {
      metrics.verdicts.inc({ reason: 'session_store_unavailable' });
      // Expected while Redis is down: counted and logged once per interval (plus the breaker's and
      // the connection's state changes), never a line with a stack per request.
      access.refusals.record(error);
      logger.debug({ requestId: facts.requestId }, 'session store unavailable; failing closed');
      return { kind: 'unavailable', sessionId };
    }

    if (session === null) return this.#deny('session_invalid', sessionId);
    const verdict = this.#verdictFor(session, facts);

    if (!verdict.ok) {
      if (verdict.reason === 'fingerprint_mismatch') {
        await this.#revokeForMismatch(session, verdict.differing, facts);
      }
      return this.#deny(verdict.reason, sessionId);
    }
    for (const part of verdict.observed) {
      metrics.fingerprintDifferences.inc({ part, policy: 'observe' });
    }
    if (verdict.observed.length > 0) {
      logger.info(
        { event: 'fingerprint.observed_difference', sessionId, parts: verdict.observed },
        'fingerprint part changed',
      );
    }
    this.#allow(verdict.session);
    return { kind: 'allow', session: verdict.session };
  }

  /** The session cookie's value, if the request carries one (possibly empty or malformed). */
  #tokenOf(headers: RequestFacts['headers']): string | undefined {
    const cookie = headers.cookie;
    return readCookie(typeof cookie === 'string' ? cookie : undefined, this.#options.cookieName);
  }

  /**
   * The session against this request: device fingerprint (computed once per request, and only
   * when there is a session to compare it with), lifetimes.
   */
  #verdictFor(session: SessionRecord, facts: Pick<RequestFacts, 'headers' | 'ip'>) {
    return verifySession({
      session,
      fingerprint: this.#fingerprints.compute(fingerprintInputFromHeaders(facts.headers, facts.ip)),
      policy: this.#options.policy,
      now: this.#clock(),
    });
  }

  /** An allowed session: its idle lifetime extended when due, the verdict counted. */
  #allow(session: SessionRecord): void {
    this.#options.access.touchIfDue(session);
    this.#options.metrics.verdicts.inc({ reason: 'ok' });
  }

  async #revokeForMismatch(
    session: SessionRecord,
    differing: readonly string[],
    facts: RequestFacts,
  ): Promise<void> {
    const { access, metrics, logger, audit } = this.#options;
    for (const part of differing) metrics.fingerprintDifferences.inc({ part, policy: 'enforce' });
    let revoked = true;
    try {
      await access.revoke(session.id);
    } catch (error) {
      revoked = false;
      logger.error(
        { err: error, sessionId: session.id },
        'could not revoke a session after a fingerprint mismatch',
      );
    }
    logger.warn(
      {
        audit: true,
        event: 'session.revoked',
        reason: 'fingerprint_mismatch',
        sessionId: session.id,
        userId: session.userId,
        parts: differing,
        ip: facts.ip,
        requestId: facts.requestId,
        revoked,
      },
      'session revoked: request came from another device',
    );
    audit.record({
      type: 'session.fingerprint_mismatch',
      userId: session.userId,
      sessionId: session.id,
      ip: facts.ip,
      requestId: facts.requestId,
      details: { parts: differing, revoked },
    });
  }

  #deny(reason: DenialReason, sessionId?: string): Outcome {
    this.#options.metrics.verdicts.inc({ reason });
    return sessionId === undefined ? { kind: 'deny', reason } : { kind: 'deny', reason, sessionId };
  }
}
