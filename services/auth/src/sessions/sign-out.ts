// Sign-out: ends the session the request holds a credential for; signing out twice is no error.
import type { SessionStore } from '@authflow/sessions';
import type { FastifyRequest } from 'fastify';
import type { CallerResolver } from './caller.js';

export interface SignOutOptions {
  readonly callers: CallerResolver;
  readonly store: SessionStore;
  /** Supabase: the provider session kept for an AuthFlow session ends with it. */
  readonly providerSessions?: { forget(key: string): Promise<void> };
}

export class SignOut {
  readonly #options: SignOutOptions;

  constructor(options: SignOutOptions) {
    this.#options = options;
  }

  /**
   * Ends the session a valid assertion names, else the one the raw session cookie names (see
   * {@link CallerResolver.sessionToEnd}). A session that is already gone, or no credential at
   * all, is nothing to end, and the caller expires the cookie. A store outage throws (503): the
   * cookie is then kept, so the user can sign out again once it is back.
   */
  async end(request: FastifyRequest): Promise<void> {
    const sessionId = await this.#options.callers.sessionToEnd(request);
    if (sessionId === undefined) {
      // Either there is no session, or the gateway could not check the cookie because the store
      // is down (it then passes the request without identity and keeps the cookie). Asking the
      // store tells them apart: during an outage this answers 503 and the cookie is kept, rather
      // than cleared over a session that still lives.
      await this.#options.store.ping();
      return;
    }
    const session = await this.#options.store.find(sessionId);
    if (session === null) return;
    if (!(await this.#options.store.revoke(session.id, { userId: session.userId }))) return;
    // Best effort: AuthFlow's session is over whatever Supabase answers.
    await this.#options.providerSessions
      ?.forget(session.id)
      .catch((error: unknown) =>
        request.log.warn({ err: error }, 'could not end the kept provider session'),
      );
    request.log.info(
      {
        audit: true,
        event: 'session.revoked',
        reason: 'logout',
        sessionId: session.id,
        userId: session.userId,
      },
      'signed out',
    );
  }
}
