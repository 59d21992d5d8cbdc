// redirect_to resolution (allow list globs, silent Site URL fallback) and API version negotiation.
import { describe, expect, it } from 'vitest';
import { negotiateApiVersion } from './error-envelope.js';
import { resolveRedirect } from './redirects.js';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient } from './test-support/sdk-clients.js';

const settings = {
  siteUrl: 'https://app.test',
  redirectAllowList: ['https://*.preview.test/**', 'http://localhost:3000/callback'],
};

describe('resolveRedirect', () => {
  it('keeps allowed URLs: the Site URL host, glob matches and exact entries', () => {
    for (const url of [
      'https://app.test/reset?x=1',
      'https://pr-12.preview.test/auth/done',
      'http://localhost:3000/callback',
    ]) {
      expect(resolveRedirect(url, settings)).toEqual({ requested: url, effective: url });
    }
  });

  it('falls back to the Site URL for anything else, without an error', () => {
    for (const url of [
      'https://evil.test/',
      'https://a.b.preview.test/x',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(resolveRedirect(url, settings).effective).toBe('https://app.test');
    }
    expect(resolveRedirect(null, settings)).toEqual({
      requested: null,
      effective: 'https://app.test',
    });
  });

  it('accepts any http(s) URL when no allow list is configured (double default)', () => {
    const open = { siteUrl: 'https://app.test', redirectAllowList: null };
    expect(resolveRedirect('https://anywhere.test/x', open).effective).toBe(
      'https://anywhere.test/x',
    );
    expect(resolveRedirect('ftp://anywhere.test/x', open).effective).toBe('https://app.test');
  });
});

describe('negotiateApiVersion', () => {
  it('selects 2024-01-01 for valid dates from then on and legacy otherwise', () => {
    expect(negotiateApiVersion('2024-01-01')).toBe('2024-01-01');
    expect(negotiateApiVersion('2031-02-28')).toBe('2024-01-01');
    for (const header of [undefined, '', '2023-12-31', '2024-02-30', '2024-1-1', 'v2']) {
      expect(negotiateApiVersion(header)).toBeNull();
    }
  });
});

describe('redirect_to in emails', () => {
  const double = useSupabaseDouble({
    settings: { siteUrl: 'https://app.test', redirectAllowList: ['https://app.test/**'] },
  });

  it('records both the requested and the effective redirect of a recovery email', async () => {
    double().createUser({ email: 'red@example.com', password: 'pw-123456' });
    await createSdkClient(double()).auth.resetPasswordForEmail('red@example.com', {
      redirectTo: 'https://phish.test/reset',
    });
    expect(double().lastEmail()).toMatchObject({
      requestedRedirectTo: 'https://phish.test/reset',
      redirectTo: 'https://app.test',
    });
  });
});
