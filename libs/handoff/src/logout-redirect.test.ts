import { describe, expect, it } from 'vitest';
import { verifyHandoff } from './handoff.js';
import { DEFAULT_LOGOUT_PATH, logoutRedirect } from './logout-redirect.js';

const secret = 'a-shared-handoff-secret-of-enough-length';
const now = 1_700_000_000_000;

/** The `next` of a sign-out URL, decoded, as the sign-out page receives it. */
function nextOf(url: string): string | null {
  return new URL(url, 'http://auth.invalid').searchParams.get('next');
}

describe('logoutRedirect', () => {
  it('sends to /auth/logout with a signed next that verifies back to the refused path', () => {
    const url = logoutRedirect('/admin/users?page=2', secret, { now });
    expect(url.startsWith(`${DEFAULT_LOGOUT_PATH}?next=`)).toBe(true);
    expect(verifyHandoff(nextOf(url) ?? '', secret, { now: now + 1_000 })).toEqual({
      ok: true,
      path: '/admin/users?page=2',
    });
  });

  it('uses a configured sign-out path and honours the expiry option', () => {
    const url = logoutRedirect('/admin/', secret, { logoutPath: '/sso/out', now, ttlMs: 1_000 });
    expect(url.startsWith('/sso/out?next=')).toBe(true);
    expect(verifyHandoff(nextOf(url) ?? '', secret, { now: now + 1_000 })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example'])(
    'falls back to the bare sign-out page for a path that leaves the origin: %s',
    (path) => {
      expect(logoutRedirect(path, secret)).toBe(DEFAULT_LOGOUT_PATH);
    },
  );
});
