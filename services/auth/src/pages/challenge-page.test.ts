import { describe, expect, it } from 'vitest';
import {
  chooseMethod,
  maskEmailAddress,
  renderChallengePage,
  type ChallengeView,
} from './challenge-page.js';
import { expectAccessibleInputs, expectPostForm, inputNamed } from './test-support/form-checks.js';
import { makeContext } from './test-support/fixtures.js';
import { findById, findForm, findTags, hiddenValues, textOf } from './test-support/markup.js';

const context = makeContext();
const NEXT = '/app/?tab=a&b=c';

function render(view: Partial<ChallengeView> = {}): string {
  return renderChallengePage(context, {
    mode: 'sign-in',
    methods: ['totp', 'email', 'recovery'],
    next: NEXT,
    trustDeviceDays: 30,
    ...view,
  });
}

function hrefs(page: string): string[] {
  return findTags(page, 'a').map((tag) => tag.attributes.href ?? '');
}

describe('renderChallengePage for a pending sign-in', () => {
  const page = render();

  it('asks for the authenticator code first, posting it with the CSRF token, method and next', () => {
    expect(textOf(page, 'h1')).toBe('Confirm it is you');
    const form = expectPostForm(page, '/auth/mfa');
    expect(hiddenValues(form)).toMatchObject({ method: 'totp', next: NEXT });
    expect(inputNamed(form, 'code').attributes).toMatchObject({
      type: 'text',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      required: '',
    });
    expect(textOf(form, 'label')).toBe('Code from your authenticator app');
    expect(textOf(form, 'button')).toBe('Sign in');
  });

  it('ties every field to its label and hint, and focuses the code', () => {
    const inputs = expectAccessibleInputs(page);
    expect(inputs.map((input) => input.attributes.name)).toEqual(['code', 'trust_device']);
    expect(inputNamed(page, 'code').attributes['aria-describedby']).toBe('code-hint');
    expect('autofocus' in inputNamed(page, 'code').attributes).toBe(true);
  });

  it('offers to trust the device for the configured number of days', () => {
    const checkbox = inputNamed(page, 'trust_device');
    expect(checkbox.attributes).toMatchObject({ type: 'checkbox', value: 'true' });
    expect(page).toContain('>Don&#39;t ask again on this device for 30 days</label>');
    expect(render({ trustDeviceDays: 1 })).toContain('for 1 day</label>');
  });

  it('hides the trusted-device offer when it is turned off', () => {
    for (const off of [render({ trustDeviceDays: 0 }), render({ trustDeviceDays: undefined })]) {
      expect(() => inputNamed(off, 'trust_device')).toThrow();
    }
  });

  it('links to the other methods, carrying next, and sends email codes with a POST', () => {
    expect(hrefs(page)).toContain('/auth/mfa?method=recovery&next=%2Fapp%2F%3Ftab%3Da%26b%3Dc');
    expect(hrefs(page)).not.toContain('/auth/mfa?method=totp&next=%2Fapp%2F%3Ftab%3Da%26b%3Dc');
    const send = expectPostForm(page, '/auth/mfa/email');
    expect(hiddenValues(send).next).toBe(NEXT);
    expect(textOf(send, 'button')).toBe('Email me a code');
    expect(textOf(page, 'main')).toContain('Use a recovery code');
  });

  it('lets the user give up and go back to sign in', () => {
    expect(hrefs(page)).toContain('/auth/login?next=%2Fapp%2F%3Ftab%3Da%26b%3Dc');
    expect(hrefs(render({ next: undefined }))).toContain('/auth/login');
    expect(hiddenValues(render({ next: undefined })).next).toBeUndefined();
  });

  it('shows no alert and no status when there is nothing to say', () => {
    expect(page).not.toContain('role="alert"');
    expect(page).not.toContain('role="status"');
    expect(page).not.toContain('aria-invalid');
  });
});

describe('renderChallengePage methods', () => {
  it('takes a recovery code as letters, never autofilled as a one-time code', () => {
    const page = render({ method: 'recovery' });
    const code = inputNamed(expectPostForm(page, '/auth/mfa'), 'code');
    expect(code.attributes).toMatchObject({
      type: 'text',
      autocomplete: 'off',
      autocapitalize: 'none',
    });
    expect(code.attributes.inputmode).toBeUndefined();
    expect(hiddenValues(page).method).toBe('recovery');
    expect(textOf(page, 'label')).toBe('Recovery code');
    expect(hrefs(page)).toContain('/auth/mfa?method=totp&next=%2Fapp%2F%3Ftab%3Da%26b%3Dc');
  });

  it('says where an email code went and offers another one', () => {
    const page = render({ method: 'email', emailSentTo: 'a***@example.com' });
    const status = findTags(page).find((tag) => tag.attributes.role === 'status');
    expect(status).toBeDefined();
    expect(page).toContain('<p>We sent a code to a***@example.com.');
    expect(hiddenValues(findForm(page, '/auth/mfa').inner).method).toBe('email');
    expect(inputNamed(page, 'code').attributes.inputmode).toBe('numeric');
    expect(textOf(expectPostForm(page, '/auth/mfa/email'), 'button')).toBe('Send a new code');
    expect(textOf(page, 'main')).toContain('It works for 10 minutes.');
  });

  it('offers to send the first email code when none was sent', () => {
    const page = render({ method: 'email', emailCodeMinutes: 5 });
    expect(page).not.toContain('role="status"');
    expect(textOf(expectPostForm(page, '/auth/mfa/email'), 'button')).toBe('Email me a code');
    expect(textOf(page, 'main')).toContain('It works for 5 minutes.');
  });

  it('falls back to the first method the user has', () => {
    expect(chooseMethod({ methods: ['recovery'], method: 'totp' })).toBe('recovery');
    expect(chooseMethod({ methods: ['email', 'recovery'] })).toBe('email');
    expect(chooseMethod({ methods: [] })).toBeUndefined();
    const page = render({ methods: ['recovery'], method: 'email' });
    expect(hiddenValues(page).method).toBe('recovery');
    expect(page).not.toContain('Other ways to confirm');
    expect(() => findForm(page, '/auth/mfa/email')).toThrow();
  });

  it('renders no form when the user has no method left', () => {
    const page = render({ methods: [] });
    expect(findTags(page, 'form')).toHaveLength(0);
    expect(textOf(page, 'main')).toContain('no second factor that can be used here');
    expect(hrefs(page)).toContain('/auth/login?next=%2Fapp%2F%3Ftab%3Da%26b%3Dc');
  });
});

describe('renderChallengePage after a wrong code', () => {
  it('announces the error and the attempts left, and ties them to the code field', () => {
    const page = render({ error: 'That code is not right.', attemptsLeft: 2 });
    const alert = findById(page, 'form-error');
    expect(alert.attributes.role).toBe('alert');
    expect(page).toContain('<p>That code is not right.</p>');
    expect(page).toContain('<p>2 attempts left before you have to sign in again.</p>');
    const code = inputNamed(page, 'code');
    expect(code.attributes['aria-describedby']).toBe('form-error code-hint');
    expect(code.attributes['aria-invalid']).toBe('true');
  });

  it('says the attempts left only when they are few', () => {
    expect(render({ error: 'Wrong.', attemptsLeft: 4 })).not.toContain('attempts left');
    expect(render({ attemptsLeft: 1 })).toContain(
      '<p>1 attempt left before you have to sign in again.</p>',
    );
    expect(render({ mode: 'step-up', attemptsLeft: 3 })).toContain('<p>3 attempts left.</p>');
  });
});

describe('renderChallengePage for a step-up', () => {
  const page = render({
    mode: 'step-up',
    methods: ['totp', 'recovery'],
    reason: 'Removing a second factor needs a code from the last 10 minutes.',
  });

  it('explains why the page asks, and never offers to trust the device', () => {
    expect(textOf(page, 'h1')).toBe('This page needs a second factor');
    expect(textOf(page, 'main')).toContain(
      'Removing a second factor needs a code from the last 10 minutes. You stay signed in.',
    );
    expect(() => inputNamed(page, 'trust_device')).toThrow();
    expect(textOf(expectPostForm(page, '/auth/mfa'), 'button')).toBe('Continue');
    expect(hiddenValues(page).next).toBe(NEXT);
  });

  it('offers signing out instead of going back to sign in', () => {
    expect(hrefs(page)).toContain('/auth/logout');
    expect(hrefs(page).some((href) => href.startsWith('/auth/login'))).toBe(false);
    expect(textOf(render({ mode: 'step-up' }), 'main')).toContain(
      'To go on, confirm it is you with your second factor.',
    );
  });
});

describe('maskEmailAddress', () => {
  it('keeps the first letter and the domain only', () => {
    expect(maskEmailAddress('ada.lovelace@example.com')).toBe('a***@example.com');
    expect(maskEmailAddress('a@b.c')).toBe('a***@b.c');
    expect(maskEmailAddress('not-an-address')).toBe('***');
    expect(maskEmailAddress('@example.com')).toBe('***');
  });
});
