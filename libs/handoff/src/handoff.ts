// The `next` handed from the gateway to auth: the original path, an expiry and an HMAC.
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
/** Handoffs live five minutes (DESIGN.md §7). */
export const HANDOFF_TTL_MS = 5 * 60_000;
const MAX_TOKEN_LENGTH = 4_096;
const MAX_PATH_LENGTH = 2_048;
const PROBE_ORIGIN = 'http://handoff.invalid';

export type HandoffVerdict =
  | { readonly ok: true; readonly path: string }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'bad_signature' | 'expired' | 'unsafe_path';
    };

export interface HandoffOptions {
  readonly now?: number;
  readonly ttlMs?: number;
}

/**
 * True for a path that stays on this origin: one leading `/` (not `//` or `/\`), no
 * backslashes or control characters anywhere, and a URL parser agrees the origin is unchanged.
 */
export function isSafeRedirectPath(path: string): boolean {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) return false;
  if (!path.startsWith('/') || path.startsWith('//')) return false;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\\\u0000-\u001f\u007f]/u.test(path)) return false;
  try {
    return new URL(path, PROBE_ORIGIN).origin === PROBE_ORIGIN;
  } catch {
    return false;
  }
}

/** Signs `path` for the auth service; the gateway calls this when it sends a browser to log in. */
export function signHandoff(path: string, secret: string, options: HandoffOptions = {}): string {
  if (!isSafeRedirectPath(path)) throw new Error('refusing to sign a path that leaves the origin');
  const expiresAt = (options.now ?? Date.now()) + (options.ttlMs ?? HANDOFF_TTL_MS);
  const payload = Buffer.from(JSON.stringify({ p: path, e: expiresAt }), 'utf8').toString(
    'base64url',
  );
  return `${VERSION}.${payload}.${mac(secret, payload)}`;
}

/** Checks HMAC, expiry and path; auth follows `path` only when `ok`. */
export function verifyHandoff(
  token: string,
  secret: string,
  options: HandoffOptions = {},
): HandoffVerdict {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const [version, payload, signature, ...rest] = token.split('.');
  if (version !== VERSION || payload === undefined || signature === undefined || rest.length > 0) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(mac(secret, payload), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'bad_signature' };
  }
  const claims = parsePayload(payload);
  if (claims === undefined) return { ok: false, reason: 'malformed' };
  if (claims.e <= (options.now ?? Date.now())) return { ok: false, reason: 'expired' };
  // Checked again at the receiving end: a leaked secret must still not make auth an open redirect.
  if (!isSafeRedirectPath(claims.p)) return { ok: false, reason: 'unsafe_path' };
  return { ok: true, path: claims.p };
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest('base64url');
}

function parsePayload(payload: string): { p: string; e: number } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { p, e } = value as Record<string, unknown>;
    return typeof p === 'string' && typeof e === 'number' && Number.isFinite(e)
      ? { p, e }
      : undefined;
  } catch {
    return undefined;
  }
}
