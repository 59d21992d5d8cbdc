import { describe, expect, it } from 'vitest';
import type { FactorSummary } from '../mfa/mfa-ports.js';
import { hasActiveFactor, renderSecurityPage, type SecurityView } from './security-page.js';
import { expectAccessibleInputs, expectPostForm, inputNamed } from './test-support/form-checks.js';
import { makeContext } from './test-support/fixtures.js';
import {
  findById,
  findForm,
  findTags,
  hiddenValues,
  sectionLabelledBy as section,
  textById,
  textOf,
} from './test-support/markup.js';

const context = makeContext();
const ADDED = Date.parse('2025-01-14T15:09:26.000Z');
const USED = Date.parse('2025-02-01T08:30:00.000Z');

function totp(overrides: Partial<FactorSummary> = {}): FactorSummary {
  return {
    id: 'totp_1',
    kind: 'totp',
    label: 'Work phone',
    status: 'active',
    createdAt: ADDED,
    lastUsedAt: USED,
    ...overrides,
  };
}

const EMAIL_FACTOR: FactorSummary = {
  id: 'email_1',
  kind: 'email',
  label: 'ada@example.com',
  status: 'active',
  createdAt: ADDED,
  lastUsedAt: null,
};

function render(view: Partial<SecurityView> = {}): string {
  return renderSecurityPage(context, {
    email: 'ada@example.com',
    totpFactors: [totp(), totp({ id: 'totp_2', label: 'Tablet', lastUsedAt: null })],
    emailFactor: null,
    recoveryCodesLeft: 8,
    trustedDevices: [
      { id: 'dev_1', deviceLabel: 'Chrome 131 on macOS', createdAt: ADDED, expiresAt: USED },
      { id: 'dev_2', deviceLabel: 'Firefox 133 on Windows', createdAt: ADDED, expiresAt: USED },
    ],
    currentTrustedDeviceId: 'dev_1',
    ...view,
  });
}

describe('renderSecurityPage', () => {
  const page = render();

  it('has one section per kind of factor, each with its heading', () => {
    expect(textOf(page, 'h1')).toBe('Security settings');
    expect(findTags(page, 'h2').map((tag) => tag.attributes.id)).toEqual([
      'totp-heading',
      'email-heading',
      'recovery-heading',
      'devices-heading',
    ]);
    expect(textById(page, 'totp-heading')).toBe('Authenticator app');
    expect(textById(page, 'devices-heading')).toBe('Trusted devices');
    const links = findTags(page, 'a').map((tag) => tag.attributes.href);
    expect(links).toEqual(expect.arrayContaining(['/auth/sessions', '/auth/account']));
  });

  it('adds the sign-in providers section last, only when the view carries it', () => {
    const withProviders = render({
      signInProviders: {
        identities: [],
        providers: [{ id: 'github', name: 'GitHub', icon: 'github', available: true }],
      },
    });
    expect(findTags(withProviders, 'h2').map((tag) => tag.attributes.id)).toEqual([
      'totp-heading',
      'email-heading',
      'recovery-heading',
      'devices-heading',
      'identities-heading',
    ]);
    expectPostForm(section(withProviders, 'identities-heading'), '/auth/sso/github/link');
    expect(page).not.toContain('identities-heading');
  });

  it('lists authenticator apps with a remove button naming each one', () => {
    const apps = section(page, 'totp-heading');
    const forms = [
      ...apps.matchAll(
        /<form[^>]*action="\/auth\/security\/totp\/remove"[^>]*>([\s\S]*?)<\/form>/gu,
      ),
    ];
    expect(forms.map((form) => hiddenValues(form[1] ?? '').factor_id)).toEqual([
      'totp_1',
      'totp_2',
    ]);
    expect(
      forms.map((form) => findTags(form[1] ?? '', 'button')[0]?.attributes['aria-label']),
    ).toEqual(['Remove Work phone', 'Remove Tablet']);
    expect(apps).toContain(
      '<time datetime="2025-02-01T08:30:00.000Z">1 Feb 2025, 08:30 UTC</time>',
    );
    expect(apps).toContain('<span class="muted">never</span>');
  });

  it('marks an unfinished setup and counts only active factors', () => {
    const pending = render({ totpFactors: [totp({ status: 'pending' })] });
    expect(section(pending, 'totp-heading')).toContain('Setup not finished');
    expect(hasActiveFactor({ totpFactors: [totp({ status: 'pending' })], emailFactor: null })).toBe(
      false,
    );
    expect(textOf(pending, 'main')).toContain('protected by your password alone');
    expect(section(page, 'totp-heading')).not.toContain('Setup not finished');
  });

  it('starts a new authenticator app with a named, labelled field', () => {
    const form = expectPostForm(page, '/auth/security/totp');
    expect(inputNamed(form, 'label').attributes).toMatchObject({
      type: 'text',
      maxlength: '64',
      value: 'Authenticator app',
      required: '',
    });
    expect(textOf(form, 'button')).toBe('Set up an authenticator app');
    expect(expectAccessibleInputs(page).map((input) => input.attributes.name)).toEqual(['label']);
    expect(inputNamed(render({ newFactorLabel: 'Laptop' }), 'label').attributes.value).toBe(
      'Laptop',
    );
  });

  it('turns email codes on, or off when they are on', () => {
    const off = expectPostForm(section(page, 'email-heading'), '/auth/security/email');
    expect(hiddenValues(off).enabled).toBe('true');
    expect(textOf(off, 'button')).toBe('Turn on email codes');

    const onPage = render({ emailFactor: EMAIL_FACTOR, totpFactors: [] });
    const on = expectPostForm(onPage, '/auth/security/email');
    expect(hiddenValues(on).enabled).toBe('false');
    expect(textOf(on, 'button')).toBe('Turn off email codes');
    expect(textOf(section(onPage, 'email-heading'), 'p')).toContain('sent to ada@example.com');
    expect(onPage).not.toContain('protected by your password alone');
  });

  it('says how many recovery codes remain, and makes a new set', () => {
    const codes = section(page, 'recovery-heading');
    expect(codes).toContain('You have 8 recovery codes left.');
    expect(codes).not.toContain('before you run out');
    expect(textOf(expectPostForm(codes, '/auth/security/recovery-codes'), 'button')).toBe(
      'Make new recovery codes',
    );
    expect(section(render({ recoveryCodesLeft: 1 }), 'recovery-heading')).toContain(
      'You have 1 recovery code left.',
    );
    const none = section(render({ recoveryCodesLeft: 0 }), 'recovery-heading');
    expect(none).toContain('You have no recovery codes left.');
    expect(none).toContain('Make a new set before you run out.');
  });

  it('warns when the password is the only factor and offers no recovery codes then', () => {
    const bare = render({
      totpFactors: [],
      emailFactor: null,
      recoveryCodesLeft: 0,
      trustedDevices: [],
    });
    expect(textOf(bare, 'main')).toContain('Your account is protected by your password alone.');
    expect(() => findForm(bare, '/auth/security/recovery-codes')).toThrow();
    expect(section(bare, 'recovery-heading')).toContain('made when you add a second factor');
    expect(section(bare, 'totp-heading')).toContain('No authenticator app is set up.');
    expect(page).not.toContain('protected by your password alone');
  });

  it('lists trusted devices with dates, marks this one, and revokes each or all', () => {
    const devices = section(page, 'devices-heading');
    expect(textOf(devices, 'caption')).toBe('Devices that skip the second factor');
    expect(textOf(devices, 'thead')).toBe('Device Trusted since Until Action');
    const rows = [...devices.matchAll(/<tr>([\s\S]*?)<\/tr>/gu)]
      .map((match) => match[1] ?? '')
      .slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('This device');
    expect(rows[1]).not.toContain('This device');
    expect(rows.map((row) => hiddenValues(row).device_id)).toEqual(['dev_1', 'dev_2']);
    expect(findTags(rows[1] ?? '', 'button')[0]?.attributes['aria-label']).toBe(
      'Stop trusting Firefox 133 on Windows',
    );
    expectPostForm(rows[0] ?? '', '/auth/security/devices/revoke');
    expect(rows[0]).toContain('<time datetime="2025-01-14T15:09:26.000Z">');
    expect(textOf(expectPostForm(devices, '/auth/security/devices/revoke-all'), 'button')).toBe(
      'Stop trusting all devices',
    );
  });

  it('offers no revoke-all for a single device, and says when there is none', () => {
    const one = render({
      trustedDevices: [{ id: 'dev_1', deviceLabel: 'Chrome', createdAt: ADDED, expiresAt: USED }],
    });
    expect(() => findForm(one, '/auth/security/devices/revoke-all')).toThrow();
    expectPostForm(one, '/auth/security/devices/revoke');
    const none = section(render({ trustedDevices: [] }), 'devices-heading');
    expect(none).toContain('No device skips the second factor.');
    expect(none).not.toContain('<table');
  });

  it('shows a flash notice as a status and an error in the section it is about', () => {
    const flashed = render({
      notice: 'Recovery code used',
      error: { section: 'totp', message: 'That name is too long.' },
    });
    expect(flashed).toContain('role="status"><p>Recovery code used</p>');
    expect(findById(flashed, 'totp-error').attributes.role).toBe('alert');
    expect(textById(section(flashed, 'totp-heading'), 'totp-error')).toBe('That name is too long.');
    expect(inputNamed(flashed, 'label').attributes['aria-describedby']).toBe(
      'totp-error label-hint',
    );
    expect(inputNamed(flashed, 'label').attributes['aria-invalid']).toBe('true');

    const devices = render({
      error: { section: 'devices', message: 'That device was already gone.' },
    });
    const devicesSection = section(devices, 'devices-heading');
    expect(findById(devicesSection, 'devices-error').attributes.role).toBe('alert');
    expect(textById(devicesSection, 'devices-error')).toBe('That device was already gone.');
    expect(section(devices, 'totp-heading')).not.toContain('role="alert"');
    expect(page).not.toContain('role="alert"');
    expect(page).not.toContain('role="status"');
  });

  it('reads an invalid instant as unknown instead of failing', () => {
    const broken = render({
      trustedDevices: [{ id: 'd', deviceLabel: 'X', createdAt: Number.NaN, expiresAt: USED }],
    });
    expect(section(broken, 'devices-heading')).toContain('<span class="muted">Unknown</span>');
  });
});
