// Properties every second-factor page must keep, checked on all of them with hostile input.
import { trustedHtml } from '@authflow/html';
import { describe, expect, it } from 'vitest';
import type { PageContext } from './page-context.js';
import { renderChallengePage } from './challenge-page.js';
import { renderRecoveryCodesPage, renderTotpEnrollmentPage } from './mfa-pages.js';
import { renderSecurityPage } from './security-page.js';
import { expectAccessibleInputs } from './test-support/form-checks.js';
import { CSRF_TOKEN, HOSTILE, makeContext } from './test-support/fixtures.js';
import { findTags, hiddenValues, textOf } from './test-support/markup.js';

/** What qrcode draws: paths only. The page trusts it as given, so it is not hostile here. */
const QR = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><path d="M4 4h7"/></svg>';

function renderSecondFactorPages(context: PageContext): Record<string, string> {
  const challenge = {
    methods: ['totp', 'email', 'recovery'],
    next: HOSTILE.next,
    error: HOSTILE.text,
    emailSentTo: HOSTILE.email,
    reason: HOSTILE.text,
    attemptsLeft: 1,
    trustDeviceDays: 30,
  } as const;
  return {
    challenge: renderChallengePage(context, { ...challenge, mode: 'sign-in' }),
    challengeEmail: renderChallengePage(context, {
      ...challenge,
      mode: 'sign-in',
      method: 'email',
    }),
    challengeRecovery: renderChallengePage(context, {
      ...challenge,
      mode: 'sign-in',
      method: 'recovery',
    }),
    stepUp: renderChallengePage(context, { ...challenge, mode: 'step-up' }),
    noMethod: renderChallengePage(context, { ...challenge, mode: 'sign-in', methods: [] }),
    security: renderSecurityPage(context, {
      email: HOSTILE.email,
      totpFactors: [
        {
          id: HOSTILE.next,
          kind: 'totp',
          label: HOSTILE.device,
          status: 'active',
          createdAt: 0,
          lastUsedAt: null,
        },
        {
          id: 'totp_2',
          kind: 'totp',
          label: HOSTILE.text,
          status: 'pending',
          createdAt: 0,
          lastUsedAt: 1,
        },
      ],
      emailFactor: {
        id: 'e',
        kind: 'email',
        label: HOSTILE.email,
        status: 'active',
        createdAt: 0,
        lastUsedAt: 2,
      },
      recoveryCodesLeft: 1,
      trustedDevices: [
        { id: HOSTILE.next, deviceLabel: HOSTILE.device, createdAt: 0, expiresAt: 1 },
        { id: 'dev_2', deviceLabel: HOSTILE.text, createdAt: 0, expiresAt: 1 },
      ],
      currentTrustedDeviceId: 'dev_2',
      notice: HOSTILE.text,
      error: { section: 'totp', message: HOSTILE.text },
      newFactorLabel: HOSTILE.device,
    }),
    enrollment: renderTotpEnrollmentPage(context, {
      factorId: HOSTILE.next,
      label: HOSTILE.device,
      secret: HOSTILE.text,
      uri: `otpauth://totp/${HOSTILE.text}`,
      qrSvg: trustedHtml(QR),
      error: HOSTILE.text,
    }),
    recoveryCodes: renderRecoveryCodesPage(context, {
      codes: [HOSTILE.text, HOSTILE.device],
      reason: 'regenerated',
      continueHref: HOSTILE.next,
    }),
  };
}

const context = makeContext({ appName: HOSTILE.appName, logoUrl: '/auth/static/logo.png' });
const pages = Object.entries(renderSecondFactorPages(context));

describe.each(pages)('the %s page, given hostile values', (name, page) => {
  it('never lets a hostile value out of its text or attribute', () => {
    for (const value of Object.values(HOSTILE)) expect(page).not.toContain(value);
    // The enrollment page carries the trusted QR code; no other page has any svg.
    const withoutQr = page.replace(QR, '');
    expect(withoutQr).not.toMatch(/<(?:script|svg|iframe|object|embed)/iu);
    expect(name === 'enrollment' ? page.includes(QR) : !page.includes('<svg')).toBe(true);
    expect(findTags(page, 'img')).toHaveLength(1);
    expect(textOf(page, 'title').endsWith(` · ${HOSTILE.appName}`)).toBe(true);
  });

  it('has no inline script, handler or style that the CSP would block', () => {
    expect(page).not.toContain('<script');
    expect(page).not.toContain(' style=');
    const names = findTags(page).flatMap((tag) => Object.keys(tag.attributes));
    expect(
      names.filter((attribute) => /^on[a-z]+$/u.test(attribute) || attribute === 'style'),
    ).toEqual([]);
    for (const link of findTags(page, 'a')) {
      expect(link.attributes.href ?? '').not.toMatch(/^\s*javascript:/iu);
    }
  });

  it('round-trips next and ids in hidden fields, and posts every form with the CSRF token', () => {
    for (const form of page.matchAll(/<form(\s[^>]*)>([\s\S]*?)<\/form>/gu)) {
      expect(form[1]).toContain('method="post"');
      const hidden = hiddenValues(form[2] ?? '');
      expect(hidden._csrf).toBe(CSRF_TOKEN);
      if ('next' in hidden) expect(hidden.next).toBe(HOSTILE.next);
    }
    expectAccessibleInputs(page);
  });

  it('is one document with a single h1 inside main and each id once', () => {
    expect(page).toMatch(/^<!doctype html>\s*<html lang="en">/u);
    expect(findTags(page, 'h1')).toHaveLength(1);
    expect(page.indexOf('<h1>')).toBeGreaterThan(page.indexOf('<main id="main"'));
    const ids = findTags(page).flatMap((tag) => tag.attributes.id ?? []);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every link and button descriptive text', () => {
    for (const element of page.matchAll(/<(a|button)\b[^>]*>([\s\S]*?)<\/\1>/gu)) {
      const text = (element[2] ?? '').replace(/<[^>]*>/gu, '').trim();
      expect(text.length).toBeGreaterThan(3);
      expect(text).not.toMatch(/^(?:here|click here|link|more)$/iu);
    }
  });
});

describe('the hostile values on the second-factor pages', () => {
  it('come back as text wherever they are shown', () => {
    const byName = Object.fromEntries(pages);
    expect(byName.security).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(textOf(byName.challengeEmail ?? '', 'main')).toContain(
      `We sent a code to ${HOSTILE.email}.`,
    );
    expect(textOf(byName.recoveryCodes ?? '', 'ol')).toContain(HOSTILE.text);
  });
});
