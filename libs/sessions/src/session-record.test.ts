import { describe, expect, it } from 'vitest';
import { newSessionInput } from './session-store.contract.js';
import { parseSessionHash, toSessionHash } from './session-record.js';
import { DEFAULT_SESSION_POLICY } from './session-store.js';
import { newRecord } from './session-lifecycle.js';

const record = newRecord('sid', newSessionInput(), 1_700_000_000_000, DEFAULT_SESSION_POLICY);

describe('session record schema', () => {
  it('round-trips a record through its stored form', () => {
    expect(parseSessionHash('sid', toSessionHash(record))).toEqual(record);
  });

  it('stores every field as a string under the documented names', () => {
    const hash = toSessionHash(record);
    expect(Object.keys(hash).sort()).toEqual(
      [
        'absolute_expires_at',
        'aal',
        'amr',
        'created_at',
        'device_label',
        'email',
        'email_verified',
        'fp',
        'fp_parts',
        'ip',
        'last_seen_at',
        'provider',
        'roles',
        'user_agent',
        'user_id',
      ].sort(),
    );
    for (const value of Object.values(hash)) expect(typeof value).toBe('string');
  });

  it('stores amr as JSON and mfa_at only once a second factor was presented', () => {
    const raised = {
      ...record,
      aal: 'aal2' as const,
      amr: ['pwd', 'otp'],
      mfaAt: 1_700_000_000_500,
    };
    const hash = toSessionHash(raised);
    expect(hash.amr).toBe('["pwd","otp"]');
    expect(hash.mfa_at).toBe('1700000000500');
    expect(parseSessionHash('sid', hash)).toEqual(raised);
    expect(toSessionHash(record)).not.toHaveProperty('mfa_at');
  });

  it('stores whether the address was verified as 1 or 0', () => {
    const verified = { ...record, emailVerified: true };
    expect(toSessionHash(verified).email_verified).toBe('1');
    expect(toSessionHash(record).email_verified).toBe('0');
    expect(parseSessionHash('sid', toSessionHash(verified))).toEqual(verified);
  });

  it('reads a record written before email_verified was stored as not verified', () => {
    const { email_verified: _verified, ...legacy } = toSessionHash({
      ...record,
      emailVerified: true,
    });
    expect(parseSessionHash('sid', legacy)).toEqual({ ...record, emailVerified: false });
  });

  it.each([
    ['aal1', ['pwd']],
    ['aal2', ['pwd', 'mfa']],
  ] as const)(
    'reads a record written before amr was stored (%s) with the amr the gateway always asserted',
    (aal, amr) => {
      const { amr: _amr, ...legacy } = toSessionHash({ ...record, aal });
      expect(parseSessionHash('sid', legacy)).toEqual({ ...record, aal, amr, mfaAt: null });
    },
  );

  it.each([
    ['an empty hash', {}],
    ['a missing field', (({ email: _email, ...rest }) => rest)(toSessionHash(record))],
    ['roles that are not a list of strings', { ...toSessionHash(record), roles: '[1,2]' }],
    [
      'fingerprint parts with an extra key',
      {
        ...toSessionHash(record),
        fp_parts: JSON.stringify({ ...record.fingerprint.parts, extra: '-' }),
      },
    ],
    ['a negative time', { ...toSessionHash(record), created_at: '-5' }],
    ['a float time', { ...toSessionHash(record), created_at: '1.5' }],
    ['an empty user id', { ...toSessionHash(record), user_id: '' }],
    ['an over-long email', { ...toSessionHash(record), email: `${'a'.repeat(400)}@x.io` }],
    ['an empty amr', { ...toSessionHash(record), amr: '[]' }],
    ['an amr that is not a list', { ...toSessionHash(record), amr: '"pwd"' }],
    ['an amr code of the wrong shape', { ...toSessionHash(record), amr: '["pwd","OTP"]' }],
    [
      'an amr of nine methods',
      { ...toSessionHash(record), amr: JSON.stringify(Array(9).fill('otp')) },
    ],
    ['an mfa_at that is not a time', { ...toSessionHash(record), mfa_at: 'soon' }],
    ['an email_verified other than 1 or 0', { ...toSessionHash(record), email_verified: 'true' }],
  ])('refuses %s', (_name, hash) => {
    expect(parseSessionHash('sid', hash)).toBeNull();
  });
});
