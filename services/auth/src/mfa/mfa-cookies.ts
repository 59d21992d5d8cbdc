// The cookies of a sign-in waiting for its second factor and of a trusted device.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TrustGrant } from './mfa-flows.js';

export interface MfaCookies {
  readonly pendingName: string;
  readonly trustedName: string;
  pending(request: FastifyRequest): string | undefined;
  trusted(request: FastifyRequest): string | undefined;
  setPending(reply: FastifyReply, token: string, ttlMs: number): void;
  clearPending(reply: FastifyReply): void;
  setTrusted(reply: FastifyReply, grant: TrustGrant): void;
}

/**
 * `HttpOnly; SameSite=Lax; Path=/` (+ `Secure` and the `__Host-` prefix in secure mode), like
 * the session cookie. The pending cookie lives as long as the pending sign-in.
 */
export function mfaCookies(secure: boolean, trustedName: string): MfaCookies {
  const pendingName = secure ? '__Host-authflow_mfa_pending' : 'authflow_mfa_pending';
  const base = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };
  return {
    pendingName,
    trustedName,
    pending: (request) => request.cookies[pendingName],
    trusted: (request) => request.cookies[trustedName],
    setPending: (reply, token, ttlMs) =>
      void reply.setCookie(pendingName, token, { ...base, maxAge: Math.ceil(ttlMs / 1_000) }),
    clearPending: (reply) => void reply.clearCookie(pendingName, base),
    setTrusted: (reply, grant) =>
      void reply.setCookie(trustedName, grant.value, {
        ...base,
        expires: new Date(grant.expiresAt),
      }),
  };
}
