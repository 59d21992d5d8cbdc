// Session tokens (what the cookie carries) and the session ids derived from them.
import { hash, randomBytes } from 'node:crypto';

/** 32 random bytes in base64url: 43 characters, no padding. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/u;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/u;

/** A fresh session token: 32 bytes from the CSPRNG, base64url. Never stored, never logged. */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** True when the value has the exact shape of a token; anything else is not looked up. */
export function isWellFormedSessionToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** True when the value has the shape of a session id (base64url SHA-256). */
export function isWellFormedSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}

/**
 * The session id is `base64url(SHA-256(token))`: Redis keys, logs and revocation messages
 * carry the id, so reading any of them never yields a usable cookie.
 */
export function sessionIdFromToken(token: string): string {
  return hash('sha256', token, 'base64url');
}
