import { describe, expect, it } from 'vitest';
import { renderCheckEmailPage, renderEmailVerifiedPage, renderSignupPage } from './signup-pages.js';
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

describe('renderSignupPage', () => {
  it('posts email, password and next to /auth/signup with the CSRF token', () => {
    const page = renderSignupPage(context, { next: '/app/' });
    const form = expectPostForm(page, '/auth/signup');
    expect(findTags(form, 'input').map((tag) => tag.attributes.name)).toEqual([
      '_csrf',
      'next',
      'email',
      'password',
    ]);
    expect(hiddenValues(form).next).toBe('/app/');
    expect(inputNamed(form, 'email').attributes).toMatchObject({
      type: 'email',
      autocomplete: 'email',
    });
    expect(inputNamed(form, 'password').attributes).toMatchObject({
      type: 'password',
      autocomplete: 'new-password',
      minlength: '10',
    });
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain(
      '/auth/login?next=%2Fapp%2F',
    );
  });

  it('ties the password hint to the field and focuses the first field', () => {
    const page = renderSignupPage(context, {});
    expectAccessibleInputs(page);
    const password = inputNamed(page, 'password');
    expect(describedBy(password)).toEqual(['password-hint']);
    expect(textById(page, 'password-hint')).toBe('At least 10 characters.');
    expect(password.attributes['aria-invalid']).toBeUndefined();
    expect(autofocused(page)).toEqual(['email']);
  });

  it('wires field errors to their inputs and focuses the first field in error', () => {
    const page = renderSignupPage(context, {
      email: 'ada@example.com',
      errors: { password: 'Choose a longer password.', form: 'Please fix the errors below.' },
    });
    expectAccessibleInputs(page);
    const email = inputNamed(page, 'email');
    const password = inputNamed(page, 'password');
    expect(email.attributes['aria-invalid']).toBeUndefined();
    expect(email.attributes.value).toBe('ada@example.com');
    expect(password.attributes['aria-invalid']).toBe('true');
    expect(describedBy(password)).toEqual(['password-error', 'password-hint']);
    expect(textById(page, 'password-error')).toBe('Error: Choose a longer password.');
    expect(findById(page, 'form-error').attributes.role).toBe('alert');
    expect(autofocused(page)).toEqual(['password']);
  });

  it('focuses email when both fields are in error', () => {
    const page = renderSignupPage(context, { errors: { email: 'Bad.', password: 'Bad.' } });
    expect(autofocused(page)).toEqual(['email']);
    expect(describedBy(inputNamed(page, 'email'))).toEqual(['email-error']);
  });
});

describe('renderCheckEmailPage', () => {
  it('names the address without saying whether it had an account', () => {
    const page = renderCheckEmailPage(context, { email: 'ada@example.com' });
    expect(textOf(page, 'h1')).toBe('Check your email');
    expect(textOf(page, 'strong')).toBe('ada@example.com');
    expect(page).not.toMatch(/already|exists|registered/iu);
  });
});

describe('renderEmailVerifiedPage', () => {
  it('sends a verified user to sign in', () => {
    const page = renderEmailVerifiedPage(context, { ok: true });
    expect(textOf(page, 'h1')).toBe('Email verified');
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain('/auth/login');
  });

  it('explains an invalid link and offers both ways forward', () => {
    const page = renderEmailVerifiedPage(context, { ok: false });
    expect(page).toContain('This link is invalid or has expired.');
    const hrefs = findTags(page, 'a').map((tag) => tag.attributes.href);
    expect(hrefs).toEqual(expect.arrayContaining(['/auth/login', '/auth/signup']));
  });
});
