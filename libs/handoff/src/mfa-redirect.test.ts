import { describe, expect, it } from 'vitest';
import { verifyHandoff } from './handoff.js';
import { DEFAULT_MFA_PATH, mfaRedirect } from './mfa-redirect.js';

const secret = 'a-shared-handoff-secret-of-enough-length';
const now = 1_700_000_000_000;

/** The `next` of a challenge URL, decoded, as the challenge page receives it. */
function nextOf(url: string): string | null {
  return new URL(url, 'http://auth.invalid').searchParams.get('next');
}

describe('mfaRedirect', () => {
  it('sends to /auth/mfa with a signed next that verifies back to the path', () => {
    const url = mfaRedirect('/admin/reports?year=2026', secret, { now });
    expect(url.startsWith(`${DEFAULT_MFA_PATH}?next=`)).toBe(true);
    expect(verifyHandoff(nextOf(url) ?? '', secret, { now: now + 1_000 })).toEqual({
      ok: true,
      path: '/admin/reports?year=2026',
    });
  });

  it('uses a configured challenge path and honours the expiry option', () => {
    const url = mfaRedirect('/admin/', secret, { mfaPath: '/sso/step-up', now, ttlMs: 1_000 });
    expect(url.startsWith('/sso/step-up?next=')).toBe(true);
    expect(verifyHandoff(nextOf(url) ?? '', secret, { now: now + 1_000 })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example'])(
    'falls back to the bare challenge page for a path that leaves the origin: %s',
    (path) => {
      expect(mfaRedirect(path, secret)).toBe(DEFAULT_MFA_PATH);
    },
  );
});
