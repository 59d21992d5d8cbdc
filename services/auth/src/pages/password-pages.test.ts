import { describe, expect, it } from 'vitest';
import {
  renderForgotPasswordPage,
  renderPasswordChangedPage,
  renderResetPasswordPage,
  renderResetRequestedPage,
} from './password-pages.js';
import {
  autofocused,
  describedBy,
  expectAccessibleInputs,
  expectPostForm,
  inputNamed,
} from './test-support/form-checks.js';
import { makeContext } from './test-support/fixtures.js';
import { findById, findTags, hiddenValues, textById, textOf } from './test-support/markup.js';

const context = makeContext();

describe('renderForgotPasswordPage', () => {
  it('posts the email to /auth/forgot-password with the CSRF token', () => {
    const page = renderForgotPasswordPage(context, { email: 'ada@example.com' });
    const form = expectPostForm(page, '/auth/forgot-password');
    expect(findTags(form, 'input').map((tag) => tag.attributes.name)).toEqual(['_csrf', 'email']);
    expect(inputNamed(form, 'email').attributes).toMatchObject({
      type: 'email',
      autocomplete: 'email',
      value: 'ada@example.com',
    });
    expectAccessibleInputs(page);
    expect(autofocused(page)).toEqual(['email']);
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain('/auth/login');
  });

  it('wires an email error and a form error', () => {
    const page = renderForgotPasswordPage(context, {
      errors: { email: 'Enter an email address.', form: 'Too many requests.' },
    });
    const email = inputNamed(page, 'email');
    expect(email.attributes['aria-invalid']).toBe('true');
    expect(describedBy(email)).toEqual(['email-error']);
    expect(textById(page, 'email-error')).toBe('Error: Enter an email address.');
    expect(findById(page, 'form-error').attributes.role).toBe('alert');
    expect(autofocused(page)).toEqual(['email']);
  });
});

describe('renderResetRequestedPage', () => {
  it('says a link was sent only if the account exists', () => {
    const page = renderResetRequestedPage(context);
    expect(page).toContain(
      'If an account exists for that address, we sent a link to reset the password.',
    );
    expect(findTags(page, 'form')).toHaveLength(0);
  });
});

describe('renderResetPasswordPage', () => {
  it('posts the token and the new password to /auth/reset-password', () => {
    const page = renderResetPasswordPage(context, { token: 'reset-token-abc' });
    const form = expectPostForm(page, '/auth/reset-password');
    expect(findTags(form, 'input').map((tag) => tag.attributes.name)).toEqual([
      '_csrf',
      'token',
      'password',
    ]);
    expect(hiddenValues(form).token).toBe('reset-token-abc');
    const password = inputNamed(form, 'password');
    expect(password.attributes).toMatchObject({ type: 'password', autocomplete: 'new-password' });
    expect(describedBy(password)).toEqual(['password-hint']);
    expect(textById(page, 'password-hint')).toBe('At least 10 characters.');
    expectAccessibleInputs(page);
    expect(autofocused(page)).toEqual(['password']);
  });

  it('wires a password error next to the hint', () => {
    const page = renderResetPasswordPage(context, {
      token: 't',
      errors: { password: 'This password appears in known breaches.' },
    });
    const password = inputNamed(page, 'password');
    expect(password.attributes['aria-invalid']).toBe('true');
    expect(describedBy(password)).toEqual(['password-error', 'password-hint']);
    expect(page).not.toContain('role="alert"');
  });

  it('shows an expired token as a form error', () => {
    const page = renderResetPasswordPage(context, {
      token: 't',
      errors: { form: 'This link has expired.' },
    });
    expect(textById(page, 'form-error')).toBe('This link has expired.');
    expect(findById(page, 'form-error').attributes.role).toBe('alert');
  });
});

describe('renderPasswordChangedPage', () => {
  it('says every session was signed out and links to sign in', () => {
    const page = renderPasswordChangedPage(context);
    expect(textOf(page, 'h1')).toBe('Password changed');
    expect(textOf(page, 'main')).toContain('every session on every device was signed out');
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain('/auth/login');
  });
});
