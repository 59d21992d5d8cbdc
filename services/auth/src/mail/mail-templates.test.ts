// The mail templates: what each kind says, escaping of hostile values, and how branding shows.
import { describe, expect, it } from 'vitest';
import type { Branding } from '../branding.js';
import { findLinks } from './find-links.js';
import {
  accountDeletedMail,
  accountExistsMail,
  emailChangeMail,
  emailChangeRequestedMail,
  emailCodeMail,
  factorAddedMail,
  factorRemovedMail,
  newDeviceMail,
  passwordChangedMail,
  passwordResetMail,
  recoveryCodeUsedMail,
  trustedDevicesEndedMail,
  verificationMail,
} from './mail-templates.js';
import { BRANDING, everyMail, LONG_LINK, WHEN } from './test-support/fixtures.js';

const HOSTILE_LABEL = '<img src=x onerror="alert(1)">\'Chrome\' & <b>friends</b>';
const HOSTILE_EMAIL = '"><script>alert(1)</script>@evil.test';

describe('mail templates', () => {
  it('give every kind a short subject with the app name, and a text and HTML body', () => {
    const mails = everyMail('ada@example.com');

    expect(mails.map((mail) => [mail.kind, mail.subject])).toEqual([
      ['verify_email', 'Confirm your email for Acme'],
      ['reset_password', 'Reset your Acme password'],
      ['password_changed', 'Your Acme password was changed'],
      ['new_device', 'New sign-in to your Acme account'],
      ['account_exists', 'You already have an account with Acme'],
    ]);
    for (const mail of mails) {
      expect(mail.to).toBe('ada@example.com');
      expect(mail.subject.length).toBeLessThan(60);
      expect(mail.text).not.toContain('<');
      expect(mail.html).toMatch(/^<!doctype html>/u);
    }
  });

  it('put each link alone on a line of the text body, and in an escaped href', () => {
    const mail = verificationMail(BRANDING, {
      to: 'ada@example.com',
      link: LONG_LINK,
      expiresInHours: 24,
    });

    expect(mail.text.split('\n')).toContain(LONG_LINK);
    expect(findLinks(mail.text)).toEqual([LONG_LINK]);
    expect(mail.html).toContain(`href="${LONG_LINK.replaceAll('&', '&amp;')}"`);
    expect(mail.text).toContain('expires in 24 hours');
  });

  it('say how long a reset link lives, and offer both ways back to an existing account', () => {
    const reset = passwordResetMail(BRANDING, {
      to: 'ada@example.com',
      link: 'https://acme.test/r?token=t',
      expiresInMinutes: 1,
    });
    expect(reset.text).toContain('expires in 1 minute.');

    const exists = accountExistsMail(BRANDING, {
      to: 'ada@example.com',
      loginLink: 'https://acme.test/auth/login',
      resetLink: 'https://acme.test/auth/forgot-password',
    });
    expect(findLinks(exists.text)).toEqual([
      'https://acme.test/auth/login',
      'https://acme.test/auth/forgot-password',
    ]);
    expect(exists.html).toContain('href="https://acme.test/auth/forgot-password"');
  });

  it('tell the owner every session was signed out after a password change, with time and IP in UTC', () => {
    const mail = passwordChangedMail(BRANDING, {
      to: 'ada@example.com',
      when: WHEN,
      ip: '203.0.113.7',
    });

    expect(mail.text).toContain('Every session was signed out');
    expect(mail.text).toContain(
      "If this wasn't you, reset your password now and write to help@acme.test.",
    );
    expect(mail.text).toContain('When: Tue, 14 Jan 2025 15:09:26 UTC');
    expect(mail.text).toContain('IP address: 203.0.113.7');
    expect(mail.html).toContain('Tue, 14 Jan 2025 15:09:26 UTC');
    expect(findLinks(mail.text)).toEqual([]);

    const withLink = passwordChangedMail(BRANDING, {
      to: 'ada@example.com',
      when: WHEN,
      ip: '203.0.113.7',
      resetLink: 'https://acme.test/auth/forgot-password',
    });
    expect(findLinks(withLink.text)).toEqual(['https://acme.test/auth/forgot-password']);
  });

  it('give the account mails the same link and notice lines as the others', () => {
    const link = emailChangeMail(BRANDING, {
      to: 'new@example.com',
      link: 'https://acme.test/auth/account/email/confirm?token=t',
      expiresInHours: 1,
    });
    expect(link.subject).toBe('Confirm your new email for Acme');
    expect(findLinks(link.text)).toEqual(['https://acme.test/auth/account/email/confirm?token=t']);
    expect(link.text).toContain('The link works once and expires in 1 hour.');
    expect(link.text).toContain('ignore this message: nothing changes without a click.');

    const requested = emailChangeRequestedMail(BRANDING, {
      to: 'ada@example.com',
      newEmail: 'new@example.com',
      when: WHEN,
      ip: '203.0.113.7',
      resetLink: 'https://acme.test/auth/forgot-password',
    });
    expect(requested.subject).toBe('Your Acme email is about to change');
    expect(requested.text).toContain('New address: new@example.com\n');
    expect(requested.text).toContain('When: Tue, 14 Jan 2025 15:09:26 UTC');
    expect(requested.text).toContain('IP address: 203.0.113.7');
    expect(requested.text).toContain('If this was you, there is nothing to do here.');
    expect(requested.text).toContain('cancels the change and write to help@acme.test.');
    expect(findLinks(requested.text)).toEqual(['https://acme.test/auth/forgot-password']);

    const deleted = accountDeletedMail(
      { ...BRANDING, supportEmail: undefined },
      { to: 'ada@example.com', when: WHEN, ip: '203.0.113.7' },
    );
    expect(deleted.subject).toBe('Your Acme account was deleted');
    expect(deleted.text).toContain("If this wasn't you, write to us at once.");
    expect(deleted.text).toContain('IP address: 203.0.113.7');
    expect(findLinks(deleted.text)).toEqual([]);
  });

  it('escape a hostile device label and address in HTML', () => {
    const mail = newDeviceMail(BRANDING, {
      to: HOSTILE_EMAIL,
      deviceLabel: HOSTILE_LABEL,
      ip: '203.0.113.7',
      when: WHEN,
    });

    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain(
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;Chrome&#39; &amp; &lt;b&gt;friends&lt;/b&gt;',
    );
    expect(mail.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@evil.test');
    expect(mail.text).toContain(`Device: ${HOSTILE_LABEL}`);
  });

  it('keep a request-supplied value on one line of the text body', () => {
    const mail = newDeviceMail(BRANDING, {
      to: 'ada@example.com',
      deviceLabel: 'Chrome\n\nReset here:\nhttps://evil.test/\u2028x',
      ip: '203.0.113.7\r\n',
      when: WHEN,
    });

    expect(mail.text).toContain('Device: Chrome Reset here: https://evil.test/ x\n');
    expect(mail.text).toContain('IP address: 203.0.113.7\n');
    expect(mail.text.split('\n')).not.toContain('https://evil.test/');
  });

  it('show the support address only when one is configured', () => {
    const withSupport = everyMail('ada@example.com');
    const without = everyMail('ada@example.com', { ...BRANDING, supportEmail: undefined });

    for (const mail of withSupport) {
      expect(mail.text).toContain('Need help? Write to help@acme.test');
      expect(mail.html).toContain('<a href="mailto:help@acme.test"');
    }
    for (const mail of without) {
      expect(mail.text).not.toContain('Need help?');
      expect(mail.html).not.toContain('Need help?');
      expect(mail.html).not.toContain('mailto:');
    }
  });

  it('paint the button in the primary color with readable text, and refuse CSS for a color', () => {
    const button = (branding: Branding) =>
      verificationMail(branding, { to: 'ada@example.com', link: LONG_LINK, expiresInHours: 24 })
        .html;

    expect(button(BRANDING)).toContain('background-color:#0f766e;');
    expect(button(BRANDING)).toContain('color:#ffffff;text-decoration:none;');
    expect(button({ ...BRANDING, primaryColor: '#facc15' })).toContain(
      'color:#000000;text-decoration:none;',
    );
    const injected = button({
      ...BRANDING,
      primaryColor: 'red;background:url(https://evil.test/x)',
    });
    expect(injected).not.toContain('evil.test');
    expect(injected).toContain('background-color:#2563eb;');
  });

  it('show the logo at an absolute https address, or the app name when there is none', () => {
    const header = (logoUrl: string | undefined) =>
      accountExistsMail(
        { ...BRANDING, logoUrl },
        { to: 'a@example.com', loginLink: 'https://acme.test/l', resetLink: 'https://acme.test/r' },
      ).html;

    expect(header('https://cdn.acme.test/logo.png')).toContain(
      '<img src="https://cdn.acme.test/logo.png" alt="Acme"',
    );
    expect(header('/assets/logo.svg')).toContain('<img src="https://acme.test/assets/logo.svg"');
    expect(header('javascript:alert(1)')).not.toContain('<img');
    expect(header(undefined)).toContain('>Acme</span>');
  });

  it('escape the app name and refuse links that are not absolute http(s)', () => {
    const mail = verificationMail(
      { ...BRANDING, appName: 'A&B <Co>' },
      { to: 'ada@example.com', link: LONG_LINK, expiresInHours: 2 },
    );
    expect(mail.html).toContain('<title>Confirm your email for A&amp;B &lt;Co&gt;</title>');

    expect(() =>
      verificationMail(BRANDING, {
        to: 'a@example.com',
        link: 'javascript:alert(1)',
        expiresInHours: 1,
      }),
    ).toThrow(/absolute http\(s\) URLs/u);
    expect(() =>
      verificationMail(BRANDING, {
        to: 'a@example.com',
        link: '/auth/verify?token=t',
        expiresInHours: 1,
      }),
    ).toThrow(/absolute http\(s\) URLs/u);
  });
});

describe('second-factor mail', () => {
  const occurrence = {
    to: 'ada@example.com',
    when: WHEN,
    ip: '203.0.113.7',
    deviceLabel: 'Firefox 133 on Windows',
  };

  it('tell the owner a factor was added: which, when, from where, and what to do if not them', () => {
    const mail = factorAddedMail(BRANDING, {
      ...occurrence,
      factor: 'an authenticator app',
      factorLabel: 'Work phone',
    });
    expect(mail.kind).toBe('factor_added');
    expect(mail.subject).toBe('A second factor was added to your Acme account');
    expect(mail.text).toContain(
      'A second factor (an authenticator app) was added to the Acme account for ada@example.com.',
    );
    expect(mail.text).toContain(
      [
        'Second factor: an authenticator app',
        'Name: Work phone',
        'Device: Firefox 133 on Windows',
        'When: Tue, 14 Jan 2025 15:09:26 UTC',
        'IP address: 203.0.113.7',
      ].join('\n'),
    );
    expect(mail.text).toContain("If it wasn't, someone has your password: reset it now");
    expect(mail.text).toContain('security settings and write to help@acme.test.');
    expect(findLinks(mail.text)).toEqual([]);
    expect(mail.html).toMatch(/^<!doctype html>/u);
  });

  it('tell the owner a factor was removed and trusted devices ended with it', () => {
    const mail = factorRemovedMail(BRANDING, { ...occurrence, factor: 'codes by email' });
    expect(mail.kind).toBe('factor_removed');
    expect(mail.subject).toBe('A second factor was removed from your Acme account');
    expect(mail.text).toContain('A second factor (codes by email) was removed');
    expect(mail.text).toContain('Every device that was trusted to skip the second factor');
    expect(mail.text).not.toContain('Name:');
    expect(mail.text).toContain('set up your second factor again and write to help@acme.test.');
  });

  it('say a recovery code was used and how many remain', () => {
    const many = recoveryCodeUsedMail(BRANDING, { ...occurrence, remaining: 7 });
    expect(many.kind).toBe('recovery_code_used');
    expect(many.subject).toBe('A recovery code was used on your Acme account');
    expect(many.text).toContain('7 recovery codes are left.\n');
    expect(many.text).toContain('Device: Firefox 133 on Windows');
    expect(many.text).toContain('make new recovery codes and write to help@acme.test.');

    const one = recoveryCodeUsedMail(BRANDING, { ...occurrence, remaining: 1 });
    expect(one.text).toContain(
      '1 recovery code is left. Make a new set in your security settings before you run out.',
    );
    const none = recoveryCodeUsedMail(BRANDING, { ...occurrence, remaining: 0 });
    expect(none.text).toContain('No recovery codes are left: make a new set');
  });

  it('send an email code in the body only, never as a link nor in the subject', () => {
    const mail = emailCodeMail(BRANDING, {
      to: 'ada@example.com',
      code: '042917',
      validMinutes: 10,
    });
    expect(mail.kind).toBe('email_code');
    expect(mail.subject).toBe('Your Acme sign-in code');
    expect(mail.subject).not.toContain('042917');
    expect(mail.text.split('\n')).toContain('042917');
    expect(mail.html).toContain('>042917</p>');
    expect(mail.text).toContain('The code works once and expires in 10 minutes.');
    expect(mail.text).toContain('Acme will never ask you for this code');
    expect(findLinks(mail.text)).toEqual([]);
    expect(mail.html.match(/href="/gu)).toHaveLength(1);
    expect(mail.html).toContain('href="mailto:help@acme.test"');
  });

  it('refuse anything but six digits as an email code', () => {
    for (const code of ['12345', '1234567', 'abcdef', 'https://evil.test/', '']) {
      expect(() =>
        emailCodeMail(BRANDING, { to: 'ada@example.com', code, validMinutes: 10 }),
      ).toThrow(/6 digits/u);
    }
  });

  it('say why trusted devices ended', () => {
    const reset = trustedDevicesEndedMail(BRANDING, {
      to: 'ada@example.com',
      when: WHEN,
      ip: '203.0.113.7',
      count: 2,
      reason: 'password_reset',
    });
    expect(reset.kind).toBe('trusted_devices_ended');
    expect(reset.subject).toBe('Trusted devices ended on your Acme account');
    expect(reset.text).toContain('were forgotten because the password was reset.');
    const one = trustedDevicesEndedMail(BRANDING, {
      to: 'ada@example.com',
      when: WHEN,
      ip: '203.0.113.7',
      count: 1,
      reason: 'user',
    });
    expect(one.text).toContain('1 device trusted to skip the second factor');
    expect(one.text).toContain('was forgotten at your request.');
  });

  it('escape a hostile factor name, device and address, and keep them on one line', () => {
    const mail = factorAddedMail(BRANDING, {
      to: HOSTILE_EMAIL,
      when: WHEN,
      ip: '203.0.113.7\r\n',
      deviceLabel: HOSTILE_LABEL,
      factor: 'an authenticator app',
      factorLabel: 'Phone\n\nReset here:\nhttps://evil.test/',
    });
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(mail.text).toContain('Name: Phone Reset here: https://evil.test/\n');
    expect(mail.text.split('\n')).not.toContain('https://evil.test/');
    expect(mail.text).toContain('IP address: 203.0.113.7\n');
  });

  it('show the support address only when one is configured', () => {
    const mails = (branding: Branding) => [
      factorAddedMail(branding, { ...occurrence, factor: 'an authenticator app' }),
      factorRemovedMail(branding, { ...occurrence, factor: 'an authenticator app' }),
      recoveryCodeUsedMail(branding, { ...occurrence, remaining: 3 }),
      emailCodeMail(branding, { to: 'ada@example.com', code: '123456', validMinutes: 10 }),
    ];
    for (const mail of mails(BRANDING)) {
      expect(mail.text).toContain('Need help? Write to help@acme.test');
      expect(mail.subject.length).toBeLessThan(60);
      expect(mail.text).not.toContain('<');
    }
    for (const mail of mails({ ...BRANDING, supportEmail: undefined })) {
      expect(mail.text).not.toContain('help@acme.test');
      expect(mail.html).not.toContain('mailto:');
    }
  });
});
