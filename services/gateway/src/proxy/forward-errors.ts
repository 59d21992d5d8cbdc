// Why a proxied exchange ended without the upstream's answer, as values the breaker can judge.

/** The client went away before the upstream finished; nothing is left to answer. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
  readonly code = 'AUTHFLOW_CLIENT_CLOSED';
  constructor() {
    super('client closed the connection');
  }
}

/**
 * The request's deadline passed before the upstream's response head: time spent waiting for a
 * pooled connection counts. `clientBodyPending` says the client had not finished sending its
 * body by then, so the delay may be the client's, not the upstream's.
 */
export class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
  readonly code = 'AUTHFLOW_UPSTREAM_TIMEOUT';
  readonly clientBodyPending: boolean;
  constructor(timeoutMs: number, clientBodyPending: boolean) {
    super(`no response head within ${timeoutMs} ms`);
    this.clientBodyPending = clientBodyPending;
  }
}

/**
 * The upstream answered with a server error (already passed on to the client as sent); raised
 * only so that the breaker counts it.
 */
export class UpstreamServerError extends Error {
  override readonly name = 'UpstreamServerError';
  readonly code = 'AUTHFLOW_UPSTREAM_SERVER_ERROR';
  readonly statusCode: number;
  constructor(statusCode: number) {
    super(`upstream answered ${statusCode}`);
    this.statusCode = statusCode;
  }
}

/** Every `code` along an error's cause chain (undici's errors may arrive wrapped). */
export function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}
