// Auth's part of the shared AUTHFLOW_* settings: it reads them from the one env file, but of the
// fingerprint settings it keeps only what a new session records.
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from './load-config.js';

describe('the auth config schema', () => {
  it('accepts the per-part fingerprint policies of the shared env file and keeps only the IP granularity', () => {
    const config = loadAuthConfig({
      AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32),
      AUTHFLOW_FINGERPRINT_IP_GRANULARITY: 'exact',
      AUTHFLOW_FINGERPRINT_USER_AGENT: 'observe',
      AUTHFLOW_FINGERPRINT_IP: 'enforce',
    });
    expect(config.sessions.ipGranularity).toBe('exact');
    // The gateway alone judges a cookie by these; auth has nothing to judge with.
    expect(Object.keys(config.sessions).sort()).toEqual([
      'absoluteTtlMs',
      'cookieName',
      'cookieSecure',
      'idleTtlMs',
      'ipGranularity',
      'maxPerUser',
    ]);
  });
});
