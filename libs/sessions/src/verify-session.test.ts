import {
  computeFingerprint,
  DEFAULT_FINGERPRINT_POLICY,
  type FingerprintInput,
} from '@authflow/fingerprint';
import type { SessionRecord } from './session-record.js';
import { describe, expect, it } from 'vitest';
import { verifySession } from './verify-session.js';

const browser: FingerprintInput = {
  userAgent: 'Mozilla/5.0 Chrome/131',
  acceptLanguage: 'en-GB,en;q=0.8',
  secChUaPlatform: '"macOS"',
  secChUaMobile: '?0',
  ip: '198.51.100.7',
};
const options = { ipGranularity: 'exact' } as const;
const now = 1_700_000_000_000;
const session: SessionRecord = {
  id: 'sid',
  userId: 'u1',
  email: 'a@example.com',
  roles: [],
  provider: 'builtin',
  fingerprint: computeFingerprint(browser, options),
  createdAt: now - 1_000,
  lastSeenAt: now - 1_000,
  absoluteExpiresAt: now + 60_000,
  ip: '198.51.100.7',
  userAgent: 'Mozilla/5.0 Chrome/131',
  deviceLabel: 'Chrome 131 on macOS',
  aal: 'aal1',
  amr: ['pwd'],
  mfaAt: null,
  emailVerified: true,
};
const verify = (presented: FingerprintInput, found: SessionRecord | null = session) =>
  verifySession({
    session: found,
    fingerprint: computeFingerprint(presented, options),
    policy: DEFAULT_FINGERPRINT_POLICY,
    now,
  });

describe('verifySession', () => {
  it('allows the same browser', () => {
    expect(verify(browser)).toEqual({ ok: true, session, observed: [] });
  });

  it('denies an unknown or expired session as session_invalid', () => {
    expect(verify(browser, null)).toEqual({ ok: false, reason: 'session_invalid' });
    expect(verify(browser, { ...session, absoluteExpiresAt: now })).toEqual({
      ok: false,
      reason: 'session_invalid',
    });
  });

  it('denies another user agent with the parts that differ', () => {
    expect(verify({ ...browser, userAgent: 'curl/8' })).toEqual({
      ok: false,
      reason: 'fingerprint_mismatch',
      differing: ['userAgent'],
    });
  });

  it('allows an IP change and reports it as observed', () => {
    expect(verify({ ...browser, ip: '203.0.113.1' })).toEqual({
      ok: true,
      session,
      observed: ['ip'],
    });
  });
});
