// Auth's part of the shared AUTHFLOW_* settings: it reads them from the one env file, but of the
// fingerprint settings it keeps only what a new session records.
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from './load-config.js';

describe('the auth config schema', () => {
  it('accepts the per-part fingerprint policies of the shared env file: the IP granularity and the policy that binds second-factor state', () => {
    const config = loadAuthConfig({
      AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32),
      AUTHFLOW_FINGERPRINT_IP_GRANULARITY: 'exact',
      AUTHFLOW_FINGERPRINT_USER_AGENT: 'observe',
      AUTHFLOW_FINGERPRINT_IP: 'enforce',
    });
    expect(config.sessions.ipGranularity).toBe('exact');
    // The gateway alone judges a cookie by the policy; auth binds a pending second-factor
    // sign-in and a trusted device to the parts it enforces.
    expect(Object.keys(config.sessions).sort()).toEqual([
      'absoluteTtlMs',
      'cookieName',
      'cookieSecure',
      'fingerprintPolicy',
      'idleTtlMs',
      'ipGranularity',
      'maxPerUser',
    ]);
    expect(config.sessions.fingerprintPolicy).toMatchObject({
      userAgent: 'observe',
      ip: 'enforce',
    });
  });
});
