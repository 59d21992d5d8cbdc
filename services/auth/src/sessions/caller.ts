// Who is calling: only the gateway's signed assertion says (DESIGN.md §2); auth never judges a cookie.
import { type AssertionVerifier, ASSERTION_HEADER } from '@authflow/gateway-assertion';
import {
  type SessionRecord,
  type SessionStore,
  sessionIdFromCookieHeader,
} from '@authflow/sessions';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { authErrors } from '../errors/auth-errors.js';

export interface Caller {
  readonly session: SessionRecord;
}

export interface CallerResolverOptions {
  readonly store: SessionStore;
  /** Verifies against the gateway's JWKS, audience `auth`. */
  readonly verifyAssertion: AssertionVerifier;
  /** Read only to end a session at sign-out, never to identify anyone. */
  readonly cookieName: string;
  readonly logger: FastifyBaseLogger;
}

/**
 * The gateway decides what a session cookie is worth: on auth's routes (`access: optional` or
 * `protected`) it verifies the cookie with its fingerprint policy and, when the session holds,
 * sends `x-authflow-assertion` (the cookie itself never reaches auth). So a request without a
 * valid assertion is anonymous, whatever cookie it carries: one sent straight to auth gains
 * nothing by bypassing the gateway. Plain identity headers are never read.
 */
export class CallerResolver {
  readonly #options: CallerResolverOptions;

  constructor(options: CallerResolverOptions) {
    this.#options = options;
  }

  /**
   * The caller, or null for an anonymous request (no assertion). An assertion that does not
   * verify (forged, expired, for another audience) or whose session has ended is refused (401).
   */
  async resolve(request: FastifyRequest): Promise<Caller | null> {
    const assertion = request.headers[ASSERTION_HEADER];
    if (assertion === undefined) return null;
    const { sessionId, userId } = await this.#verify(assertion);
    // The assertion lives a minute; the session may have ended since.
    const session = await this.#options.store.find(sessionId);
    if (session === null || session.userId !== userId) throw authErrors.create('session_invalid');
    return { session };
  }

  async require(request: FastifyRequest): Promise<Caller> {
    const caller = await this.resolve(request);
    if (caller === null) throw authErrors.create('unauthenticated');
    return caller;
  }

  /**
   * The session a sign-out ends: the one a valid assertion names (through the gateway), else the
   * one the raw session cookie names (a request straight to auth; through the gateway the cookie
   * is stripped, and a bad one is expired there), else none. Holding the token is proof enough
   * to end its session: this identifies nobody and grants nothing.
   */
  async sessionToEnd(request: FastifyRequest): Promise<string | undefined> {
    const assertion = request.headers[ASSERTION_HEADER];
    if (assertion !== undefined) {
      const verified = await this.#verify(assertion).catch(() => undefined);
      if (verified !== undefined) return verified.sessionId;
    }
    return sessionIdFromCookieHeader(request.headers.cookie, this.#options.cookieName);
  }

  async #verify(assertion: string | string[]): Promise<{ sessionId: string; userId: string }> {
    try {
      // A repeated header is not one the gateway sent: refused as malformed.
      return await this.#options.verifyAssertion(
        Array.isArray(assertion) ? assertion.join(',') : assertion,
      );
    } catch (error) {
      this.#options.logger.info(
        { code: (error as { code?: unknown }).code },
        'gateway assertion refused',
      );
      throw authErrors.create('unauthenticated', { cause: error });
    }
  }
}
