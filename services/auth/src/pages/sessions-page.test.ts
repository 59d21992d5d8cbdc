import { describe, expect, it } from 'vitest';
import { formatUtc, renderSessionsPage } from './sessions-page.js';
import { expectPostForm } from './test-support/form-checks.js';
import { makeContext, makeSession } from './test-support/fixtures.js';
import { findForm, findTags, hiddenValues, textOf } from './test-support/markup.js';

const context = makeContext();
const current = makeSession({
  id: 'sess_current',
  deviceLabel: 'Chrome 131 on macOS',
  current: true,
});
const laptop = makeSession({ id: 'sess_laptop', deviceLabel: 'Firefox 133 on Windows' });
const phone = makeSession({ id: 'sess_phone', deviceLabel: 'Safari 18 on iOS', ip: '2001:db8::1' });

function rows(page: string): string[] {
  return [...page.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gu)]
    .map((match) => match[1] ?? '')
    .slice(1);
}

describe('renderSessionsPage', () => {
  const page = renderSessionsPage(context, {
    email: 'ada@example.com',
    sessions: [current, laptop, phone],
  });

  it('lists sessions in a captioned table with column headers', () => {
    expect(textOf(page, 'h1')).toBe('Your sessions');
    expect(textOf(page, 'caption')).not.toBe('');
    const headers = findTags(page, 'th').filter((tag) => tag.attributes.scope === 'col');
    expect(headers).toHaveLength(5);
    expect(textOf(page, 'thead')).toBe('Device Signed in Last active IP address Action');
    expect(rows(page)).toHaveLength(3);
    expect(textOf(page, 'main')).toContain('ada@example.com');
  });

  it('marks the current session and offers no revoke form on it', () => {
    const [currentRow] = rows(page);
    expect(currentRow).toContain('This device');
    expect(currentRow).not.toContain('<form');
  });

  it('gives every other session its own revoke form naming the device', () => {
    const others = rows(page).slice(1);
    expect(others.map((row) => hiddenValues(row).session_id)).toEqual([
      'sess_laptop',
      'sess_phone',
    ]);
    for (const [index, row] of others.entries()) {
      const form = expectPostForm(row, '/auth/sessions/revoke');
      const [button] = findTags(form, 'button');
      const label = [laptop, phone][index]?.deviceLabel;
      expect(button?.attributes['aria-label']).toBe(`Sign out ${label ?? ''}`);
      expect(row).not.toContain('This device');
    }
  });

  it('renders both dates as <time> with an ISO datetime and readable UTC text', () => {
    const times = findTags(rows(page)[2] ?? '', 'time').map((tag) => tag.attributes.datetime);
    expect(times).toEqual([phone.createdAt.toISOString(), phone.lastSeenAt.toISOString()]);
    expect(rows(page)[2]).toContain('>2 Jan 2025, 03:04 UTC</time>');
    expect(rows(page)[2]).toContain('2001:db8::1');
  });

  it('offers signing out other sessions and signing out', () => {
    expect(textOf(expectPostForm(page, '/auth/sessions/revoke-others'), 'button')).toBe(
      'Sign out all other sessions',
    );
    expect(textOf(expectPostForm(page, '/auth/logout'), 'button')).toBe('Sign out');
  });

  it('hides "sign out all other sessions" when this is the only session', () => {
    const alone = renderSessionsPage(context, { email: 'ada@example.com', sessions: [current] });
    expect(() => findForm(alone, '/auth/sessions/revoke-others')).toThrow();
    expect(() => findForm(alone, '/auth/sessions/revoke')).toThrow();
    expectPostForm(alone, '/auth/logout');
  });

  it('shows a notice after a revoke', () => {
    const withNotice = renderSessionsPage(context, {
      email: 'ada@example.com',
      sessions: [current],
      notice: 'The session was signed out.',
    });
    expect(withNotice).toContain('role="status"><p>The session was signed out.</p>');
  });

  it('renders an invalid date as unknown instead of failing', () => {
    const broken = makeSession({ lastSeenAt: new Date(Number.NaN) });
    const markup = renderSessionsPage(context, { email: 'a@b.c', sessions: [broken] });
    expect(markup).toContain('Unknown');
  });
});

describe('formatUtc', () => {
  it('formats in UTC with a zero-padded time', () => {
    expect(formatUtc(new Date('2025-12-31T23:05:00.000Z'))).toBe('31 Dec 2025, 23:05 UTC');
    expect(formatUtc(new Date('2026-01-01T00:00:59.999+01:00'))).toBe('31 Dec 2025, 23:00 UTC');
  });
});

describe('renderSessionsPage with second factors on', () => {
  it('lists the trusted devices, each with a form to stop trusting it', () => {
    const page = renderSessionsPage(context, {
      email: 'ada@example.com',
      sessions: [current],
      trustedDevices: [
        {
          id: 'trusted-1',
          deviceLabel: 'Firefox <133> on Linux',
          createdAt: Date.UTC(2026, 11, 1),
          expiresAt: Date.UTC(2026, 11, 31),
        },
      ],
    });
    expect(textOf(page, 'h2')).toBe('Trusted devices');
    expect(page).toContain('Firefox &lt;133&gt; on Linux');
    expect(hiddenValues(findForm(page, '/auth/security/devices/revoke').inner)).toMatchObject({
      device_id: 'trusted-1',
    });
  });

  it('says when no device skips the second factor, and shows nothing without second factors', () => {
    const none = renderSessionsPage(context, {
      email: 'ada@example.com',
      sessions: [current],
      trustedDevices: [],
    });
    expect(none).toContain('No device skips the second factor.');
    expect(
      renderSessionsPage(context, { email: 'a@example.com', sessions: [current] }),
    ).not.toContain('Trusted devices');
  });
});
