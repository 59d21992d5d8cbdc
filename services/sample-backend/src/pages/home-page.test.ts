import type { AssertionIdentity } from '@authflow/gateway-assertion';
import { describe, expect, it } from 'vitest';
import { renderHomePage } from './home-page.js';

const identity: AssertionIdentity = {
  userId: 'user-42',
  email: 'ada@example.com',
  roles: ['member', 'billing:read'],
  sessionId: 'sid',
  amr: ['pwd'],
  aal: 'aal1',
  provider: 'builtin',
  issuer: 'http://localhost:8000',
  audience: 'sample-backend',
  issuedAt: 1_700_000_000,
  expiresAt: 1_700_000_060,
};

describe('the home page', () => {
  it('says which assurance level the session has and links to the security page', () => {
    expect(renderHomePage(identity)).toContain('aal1: a password only');
    const raised = renderHomePage({ ...identity, aal: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    expect(raised).toContain('aal2: a second factor was presented');
    expect(raised).toContain('href="/auth/security"');
  });

  it('greets the user and shows the identity', () => {
    const page = renderHomePage(identity);
    expect(page).toContain('<h1>Hello, ada@example.com</h1>');
    expect(page).toContain('<code>user-42</code>');
    expect(page).toContain('<code>member</code>, <code>billing:read</code>');
  });

  it('escapes every value from the assertion', () => {
    const page = renderHomePage({
      ...identity,
      email: '"><script>alert(1)</script>',
      userId: '<img src=x onerror=alert(1)>',
      roles: ['</code><script>'],
    });
    expect(page).not.toMatch(/<script>|<img/u);
    expect(page).toContain('Hello, &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('says how the user signed in, in words (issue 13)', () => {
    expect(renderHomePage(identity)).toMatch(/<dt>Signed in with<\/dt>\s*<dd>a password<\/dd>/u);
    expect(renderHomePage({ ...identity, amr: ['pwd', 'mfa'] })).toContain(
      '<dd>a password and a second factor</dd>',
    );
    expect(renderHomePage({ ...identity, amr: ['<script>'] })).toContain(
      '<dd>another method (&lt;script&gt;)</dd>',
    );
  });

  it('says "none" for an empty role list', () => {
    expect(renderHomePage({ ...identity, roles: [] })).toContain('<dd><em>none</em></dd>');
  });

  it('links to the sessions page, sign-out, the APIs, and loads only its own script and styles', () => {
    const page = renderHomePage(identity);
    for (const link of ['/auth/sessions', '/auth/logout', '/app/api/profile', '/app/api/headers']) {
      expect(page).toContain(`href="${link}"`);
    }
    expect(page).toContain('<script type="module" src="/app/static/app.js"></script>');
    expect(page).toContain('<link rel="stylesheet" href="/app/static/app.css" />');
    expect(page).toContain('<link rel="icon" href="data:," />');
    // Nothing inline: the CSP would block it, and the browser would log an error.
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/u);
    expect(page).not.toMatch(/\sstyle=|<style|\son[a-z]+=/u);
  });
});
