import { describe, expect, it } from 'vitest';
import { renderForbiddenPage } from './forbidden-page.js';

const view = {
  requestId: 'req-1',
  email: 'ada@example.com',
  switchAccountUrl: '/auth/logout?next=v1.eyJwIjoiL2FkbWluLyJ9.abc_DEF-123',
};

describe('the 403 page', () => {
  it('names the account, offers to sign in as someone else, and quotes the request id', () => {
    const page = renderForbiddenPage(view);
    expect(page).toContain('<h1>No access</h1>');
    expect(page).toContain('signed in as <b>ada@example.com</b>');
    expect(page).toContain(`<a href="${view.switchAccountUrl}">Sign in as someone else</a>`);
    expect(page).toContain('Reference <code>req-1</code>');
    // No script, no redirect of any kind: the user decides.
    expect(page).not.toMatch(/<script|http-equiv/iu);
  });

  it.each([
    ['an address with markup', { email: '"><script>alert(1)</script>@x.test' }],
    ['an address with a quote', { email: 'o\'neil"@x.test' }],
    ['a request id with markup', { requestId: '<img src=x onerror=alert(1)>' }],
    ['a link that leaves the origin', { switchAccountUrl: '//evil.example/' }],
    ['a link with a script scheme', { switchAccountUrl: 'javascript:alert(1)' }],
    [
      'a link that breaks out of the attribute',
      { switchAccountUrl: '/auth/logout?next=a"onclick=x' },
    ],
  ])('leaves out %s rather than escape it', (_name, hostile) => {
    const page = renderForbiddenPage({ ...view, ...hostile });
    expect(page).not.toMatch(/<script|<img|onerror|onclick|javascript:|evil\.example|o'neil/iu);
    expect(page).toContain('<h1>No access</h1>');
  });

  it('still explains itself without an address', () => {
    expect(renderForbiddenPage({ ...view, email: undefined })).toContain(
      'You are signed in, but this account may not open this page.',
    );
  });
});
