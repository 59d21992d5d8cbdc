import { describe, expect, it } from 'vitest';
import { verifyHandoff } from './handoff.js';
import { DEFAULT_LOGIN_PATH, loginRedirect } from './login-redirect.js';

const secret = 'a-shared-handoff-secret-of-enough-length';
const now = 1_700_000_000_000;

/** The `next` of a login URL, decoded, as the sign-in page receives it. */
function nextOf(url: string): string | null {
  return new URL(url, 'http://auth.invalid').searchParams.get('next');
}

describe('loginRedirect', () => {
  it('sends to /auth/login with a signed next that verifies back to the path', () => {
    const url = loginRedirect('/app/reports?year=2026&q=a%20b', secret, { now });
    expect(url.startsWith(`${DEFAULT_LOGIN_PATH}?next=`)).toBe(true);
    expect(verifyHandoff(nextOf(url) ?? '', secret, { now: now + 1_000 })).toEqual({
      ok: true,
      path: '/app/reports?year=2026&q=a%20b',
    });
  });

  it('keeps next one query parameter (the token is URL-encoded)', () => {
    const url = loginRedirect('/app/?a=1&b=2', secret, { now });
    expect(url.split('?')).toHaveLength(2);
    expect(url.slice(url.indexOf('?') + 1)).not.toContain('&');
  });

  it('uses a configured login path', () => {
    const url = loginRedirect('/app/', secret, { loginPath: '/sso/login', now });
    expect(url.startsWith('/sso/login?next=')).toBe(true);
  });

  it('honours the handoff options (expiry)', () => {
    const url = loginRedirect('/app/', secret, { now, ttlMs: 1_000 });
    expect(verifyHandoff(nextOf(url) ?? '', secret, { now: now + 1_000 })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example'])(
    'falls back to the bare login page for a path that leaves the origin: %s',
    (path) => {
      expect(loginRedirect(path, secret)).toBe(DEFAULT_LOGIN_PATH);
      expect(loginRedirect(path, secret, { loginPath: '/sso/login' })).toBe('/sso/login');
    },
  );
});
