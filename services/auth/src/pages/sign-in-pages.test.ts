import { describe, expect, it } from 'vitest';
import { renderLoggedOutPage, renderLoginPage } from './sign-in-pages.js';
import {
  autofocused,
  expectAccessibleInputs,
  expectPostForm,
  inputNamed,
} from './test-support/form-checks.js';
import { makeContext } from './test-support/fixtures.js';
import { findById, findTags, hiddenValues, textOf } from './test-support/markup.js';

const context = makeContext();

describe('renderLoginPage', () => {
  it('posts email and password to /auth/login with the CSRF token', () => {
    const form = expectPostForm(renderLoginPage(context, {}), '/auth/login');
    expect(findTags(form, 'input').map((tag) => tag.attributes.name)).toEqual([
      '_csrf',
      'email',
      'password',
    ]);
    expect(inputNamed(form, 'email').attributes).toMatchObject({
      type: 'email',
      autocomplete: 'username',
      required: '',
    });
    expect(inputNamed(form, 'password').attributes).toMatchObject({
      type: 'password',
      autocomplete: 'current-password',
      required: '',
    });
    expect(textOf(form, 'button')).toBe('Sign in');
  });

  it('labels every field and focuses the email field', () => {
    const page = renderLoginPage(context, {});
    expect(expectAccessibleInputs(page)).toHaveLength(2);
    expect(autofocused(page)).toEqual(['email']);
    expect(textOf(page, 'h1')).toBe('Sign in');
  });

  it('keeps the email typed and carries next in the form and on the signup link', () => {
    const page = renderLoginPage(context, { email: 'ada@example.com', next: '/app/?tab=a&b=c' });
    const form = expectPostForm(page, '/auth/login');
    expect(inputNamed(form, 'email').attributes.value).toBe('ada@example.com');
    expect(inputNamed(form, 'password').attributes.value).toBeUndefined();
    expect(hiddenValues(form).next).toBe('/app/?tab=a&b=c');
    const hrefs = findTags(page, 'a').map((tag) => tag.attributes.href);
    expect(hrefs).toContain('/auth/signup?next=%2Fapp%2F%3Ftab%3Da%26b%3Dc');
    expect(hrefs).toContain('/auth/forgot-password');
  });

  it('omits next when there is none', () => {
    const page = renderLoginPage(context, {});
    expect(hiddenValues(page).next).toBeUndefined();
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain('/auth/signup');
  });

  it('announces a form error as an alert and a notice as a status', () => {
    const page = renderLoginPage(context, {
      error: 'Wrong email or password.',
      notice: 'Your email is verified. Sign in.',
    });
    expect(findById(page, 'form-error').attributes.role).toBe('alert');
    expect(page).toContain('<p>Wrong email or password.</p>');
    expect(findTags(page).find((tag) => tag.attributes.role === 'status')).toBeDefined();
    expect(page).toContain('<p>Your email is verified. Sign in.</p>');
  });

  it('shows no alert when there is nothing to report', () => {
    const page = renderLoginPage(context, { error: '', notice: '' });
    expect(page).not.toContain('role="alert"');
    expect(page).not.toContain('role="status"');
  });
});

describe('renderLoggedOutPage', () => {
  it('confirms the sign-out and links back to the login page', () => {
    const page = renderLoggedOutPage(context);
    expect(textOf(page, 'h1')).toBe('You are signed out');
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain('/auth/login');
    expect(findTags(page, 'form')).toHaveLength(0);
  });
});

describe('renderLogoutPage', () => {
  it('asks before signing out, with a CSRF-carrying form', async () => {
    const { renderLogoutPage } = await import('./sign-in-pages.js');
    const page = renderLogoutPage({
      branding: {
        appName: 'Acme',
        logoUrl: undefined,
        primaryColor: '#2563eb',
        supportEmail: undefined,
        publicUrl: 'http://localhost:8000',
      },
      csrfToken: 'tok-123',
    });
    expect(page).toMatch(/<form[^>]*method="post"[^>]*action="\/auth\/logout"/u);
    expect(page).toMatch(/name="_csrf"[^>]*value="tok-123"|value="tok-123"[^>]*name="_csrf"/u);
    expect(page).toContain('<button type="submit"');
  });

  it('carries a handoff to sign in as someone else after signing out', async () => {
    const { renderLogoutPage } = await import('./sign-in-pages.js');
    const page = renderLogoutPage(context, { next: 'handoff"token' });
    expect(hiddenValues(page)).toMatchObject({ next: 'handoff"token' });
    expect(textOf(page, 'button')).toBe('Sign out and switch account');
    expect(renderLogoutPage(context)).not.toContain('name="next"');
  });
});
