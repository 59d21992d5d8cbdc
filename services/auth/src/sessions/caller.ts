// Who is calling: from the gateway's assertion, or from the session cookie with the device check.
import { type AssertionVerifier } from '@authflow/gateway-assertion';
import {
  computeFingerprint,
  fingerprintInputFromHeaders,
  type FingerprintPolicy,
  type IpGranularity,
} from '@authflow/fingerprint';
import {
  isWellFormedSessionToken,
  readCookie,
  type SessionRecord,
  type SessionStore,
  sessionIdFromToken,
  verifySession,
} from '@authflow/sessions';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { authErrors } from '../errors/auth-errors.js';

export interface Caller {
  readonly session: SessionRecord;
  /** How the caller was identified: through the gateway (assertion) or directly (cookie). */
  readonly via: 'assertion' | 'cookie';
}

export interface CallerResolverOptions {
  readonly store: SessionStore;
  readonly verifyAssertion: AssertionVerifier;
  readonly cookieName: string;
  readonly ipGranularity: IpGranularity;
  /** The gateway's policy (AUTHFLOW_FINGERPRINT_*): a part it only observes never revokes here. */
  readonly fingerprintPolicy: FingerprintPolicy;
  readonly logger: FastifyBaseLogger;
}

/**
 * Plain identity headers are never read. Protected routes reach auth through the gateway with
 * a signed assertion (the cookie is stripped there); public routes (logout, the sessions page)
 * carry the cookie, and then the same device check as the gateway's applies.
 */
export class CallerResolver {
  readonly #options: CallerResolverOptions;

  constructor(options: CallerResolverOptions) {
    this.#options = options;
  }

  /** The caller, or null when the request carries no credentials at all. Throws on bad ones. */
  async resolve(request: FastifyRequest): Promise<Caller | null> {
    const assertion = request.headers['x-authflow-assertion'];
    if (typeof assertion === 'string') return this.#fromAssertion(assertion);
    const cookie = request.headers.cookie;
    const token = readCookie(
      typeof cookie === 'string' ? cookie : undefined,
      this.#options.cookieName,
    );
    if (token === undefined || token === '') return null;
    return this.#fromCookie(token, request);
  }

  async require(request: FastifyRequest): Promise<Caller> {
    const caller = await this.resolve(request);
    if (caller === null) throw authErrors.create('unauthenticated');
    return caller;
  }

  async #fromAssertion(token: string): Promise<Caller> {
    let sessionId: string;
    let userId: string;
    try {
      ({ sessionId, userId } = await this.#options.verifyAssertion(token));
    } catch (error) {
      this.#options.logger.info(
        { code: (error as { code?: unknown }).code },
        'gateway assertion refused',
      );
      throw authErrors.create('unauthenticated', { cause: error });
    }
    // The assertion lives a minute; the session may have ended since.
    const session = await this.#options.store.find(sessionId);
    if (session === null || session.userId !== userId) throw authErrors.create('session_invalid');
    return { session, via: 'assertion' };
  }

  async #fromCookie(token: string, request: FastifyRequest): Promise<Caller> {
    if (!isWellFormedSessionToken(token)) throw authErrors.create('session_invalid');
    const session = await this.#options.store.find(sessionIdFromToken(token));
    if (session === null) throw authErrors.create('session_invalid');
    const verdict = verifySession({
      hasToken: true,
      session,
      fingerprint: computeFingerprint(fingerprintInputFromHeaders(request.headers, request.ip), {
        ipGranularity: this.#options.ipGranularity,
      }),
      policy: this.#options.fingerprintPolicy,
      now: Date.now(),
    });
    if (verdict.ok) return { session: verdict.session, via: 'cookie' };
    if (verdict.reason === 'fingerprint_mismatch') {
      await this.#options.store.revoke(session.id);
      request.log.warn(
        {
          audit: true,
          event: 'session.revoked',
          reason: 'fingerprint_mismatch',
          sessionId: session.id,
          userId: session.userId,
          parts: verdict.differing,
          ip: request.ip,
        },
        'session revoked: request came from another device',
      );
    }
    throw authErrors.create(verdict.reason);
  }
}
