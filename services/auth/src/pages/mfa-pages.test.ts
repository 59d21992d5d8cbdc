import { trustedHtml } from '@authflow/html';
import { describe, expect, it } from 'vitest';
import {
  groupSecret,
  recoveryCodesText,
  renderRecoveryCodesPage,
  renderTotpEnrollmentPage,
  type TotpEnrollmentView,
} from './mfa-pages.js';
import { expectAccessibleInputs, expectPostForm, inputNamed } from './test-support/form-checks.js';
import { makeContext } from './test-support/fixtures.js';
import { findById, findTags, hiddenValues, textOf } from './test-support/markup.js';

const context = makeContext();
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const URI = `otpauth://totp/Acme:ada%40example.com?secret=${SECRET}&issuer=Acme&algorithm=SHA1&digits=6&period=30`;
const QR =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29" role="img" aria-label="QR code"><path d="M4 4h7"/></svg>';

function enrollment(view: Partial<TotpEnrollmentView> = {}): string {
  return renderTotpEnrollmentPage(context, {
    factorId: 'factor_1',
    label: 'Work phone',
    secret: SECRET,
    uri: URI,
    qrSvg: trustedHtml(QR),
    ...view,
  });
}

describe('renderTotpEnrollmentPage', () => {
  const page = enrollment();

  it('shows the QR code as given, the grouped secret and the otpauth link', () => {
    expect(textOf(page, 'h1')).toBe('Set up your authenticator app');
    expect(page).toContain(`<div class="qr-code">${QR}</div>`);
    expect(textOf(page, 'code')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain(URI);
    expect(textOf(page, 'strong')).toBe('Work phone');
  });

  it('confirms the pending factor with a first code, posted with the CSRF token', () => {
    const form = expectPostForm(page, '/auth/security/totp/confirm');
    expect(hiddenValues(form).factor_id).toBe('factor_1');
    expect(inputNamed(form, 'code').attributes).toMatchObject({
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      required: '',
    });
    expect(expectAccessibleInputs(page)).toHaveLength(1);
    expect(findTags(page, 'a').map((tag) => tag.attributes.href)).toContain('/auth/security');
  });

  it('announces a wrong first code and ties it to the field', () => {
    const wrong = enrollment({ error: 'That code is not right. Try the next one.' });
    expect(findById(wrong, 'form-error').attributes.role).toBe('alert');
    expect(inputNamed(wrong, 'code').attributes['aria-describedby']).toBe('form-error code-hint');
    expect(inputNamed(wrong, 'code').attributes['aria-invalid']).toBe('true');
    expect(page).not.toContain('role="alert"');
  });

  it('links only an otpauth URI', () => {
    for (const uri of ['javascript:alert(1)', 'https://evil.test/', 'otpauth://hotp/x']) {
      const other = enrollment({ uri });
      expect(findTags(other, 'a').map((tag) => tag.attributes.href)).not.toContain(uri);
    }
  });

  it('escapes the name, the secret and the factor id', () => {
    const hostile = enrollment({
      label: '<img src=x onerror=alert(1)>',
      secret: '<b>AB"CD',
      factorId: '"><script>alert(1)</script>',
    });
    expect(hostile).not.toContain('<img');
    expect(hostile).not.toContain('<b>');
    expect(hostile).not.toContain('<script');
    expect(textOf(hostile, 'strong')).toBe('<img src=x onerror=alert(1)>');
    expect(hiddenValues(hostile).factor_id).toBe('"><script>alert(1)</script>');
  });
});

describe('groupSecret', () => {
  it('splits into groups of four, the last one shorter', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('ABCDEF')).toBe('ABCD EF');
    expect(groupSecret(' AB CD E ')).toBe('ABCD E');
    expect(groupSecret('')).toBe('');
  });
});

describe('renderRecoveryCodesPage', () => {
  const codes = Array.from({ length: 10 }, (_, index) => `code${index}-abcde`);
  const page = renderRecoveryCodesPage(context, { codes, reason: 'enrolled' });

  it('lists every code once, in monospace, with a warning that they are not shown again', () => {
    expect(textOf(page, 'h1')).toBe('Save your recovery codes');
    const list = /<ol class="recovery-codes"[^>]*>([\s\S]*?)<\/ol>/u.exec(page)?.[1] ?? '';
    expect(
      [...list.matchAll(/<li><code>([^<]*)<\/code><\/li>/gu)].map((match) => match[1]),
    ).toEqual(codes);
    expect(textOf(page, 'main')).toContain('These codes will not be shown again.');
    expect(findTags(page, 'form')).toHaveLength(0);
  });

  it('offers them as a text file without another request', () => {
    const link = findTags(page, 'a').find((tag) => 'download' in tag.attributes);
    expect(link?.attributes.download).toBe('acme-recovery-codes.txt');
    const href = link?.attributes.href ?? '';
    expect(href.startsWith('data:text/plain;charset=utf-8,')).toBe(true);
    const text = decodeURIComponent(href.slice('data:text/plain;charset=utf-8,'.length));
    expect(text).toBe(recoveryCodesText('Acme', codes));
    expect(text.split('\n')).toEqual(expect.arrayContaining(codes));
  });

  it('continues to the security page, or to a local path given', () => {
    const continueHref = (href?: string): string | undefined =>
      findTags(
        renderRecoveryCodesPage(context, { codes, reason: 'regenerated', continueHref: href }),
        'a',
      ).find((tag) => tag.attributes.class === 'button button-primary')?.attributes.href;
    expect(continueHref()).toBe('/auth/security');
    expect(continueHref('/app/settings')).toBe('/app/settings');
    for (const unsafe of [
      '//evil.test/',
      'https://evil.test/',
      'javascript:alert(1)',
      '/\\evil.test',
    ]) {
      expect(continueHref(unsafe)).toBe('/auth/security');
    }
  });

  it('says whether the codes came with a first factor or replace an old set', () => {
    expect(page).toContain('Your second factor is on.');
    const regenerated = renderRecoveryCodesPage(context, { codes, reason: 'regenerated' });
    expect(regenerated).toContain('The old ones no longer work.');
    expect(findTags(regenerated).find((tag) => tag.attributes.role === 'status')).toBeDefined();
  });

  it('escapes codes and gives the file a plain name whatever the app is called', () => {
    const hostile = renderRecoveryCodesPage(makeContext({ appName: '"A&B" <Co>' }), {
      codes: ['<script>alert(1)</script>'],
      reason: 'enrolled',
    });
    expect(hostile).not.toContain('<script');
    const link = findTags(hostile, 'a').find((tag) => 'download' in tag.attributes);
    expect(link?.attributes.download).toBe('a-b-co-recovery-codes.txt');
    expect(hostile).toContain('<li><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></li>');
  });
});
