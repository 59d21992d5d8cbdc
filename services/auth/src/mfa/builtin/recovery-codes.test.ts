// Recovery codes: readable, unambiguous, at least 60 bits each, compared however they are typed.
import { describe, expect, it } from 'vitest';
import { hashRecoveryCode, newRecoveryCodes, normaliseRecoveryCode } from './recovery-codes.js';

describe('recovery codes', () => {
  it('come ten at a time as xxxx-xxxx-xxxx from an alphabet without look-alikes', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes)
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){2}$/u);
    expect(newRecoveryCodes(3)).toHaveLength(3);
  });

  it('carry at least 60 bits each: 12 characters of a 32-letter alphabet, all letters in use', () => {
    const seen = new Set(newRecoveryCodes(200).join('').replaceAll('-', ''));
    expect(seen.size).toBe(32);
    expect(12 * Math.log2(seen.size)).toBeGreaterThanOrEqual(60);
  });

  it('are compared ignoring case, spaces and dashes, reading I, L and O as 1, 1 and 0', () => {
    expect(normaliseRecoveryCode(' AB1C-D0EF 2345 ')).toBe('ab1cd0ef2345');
    expect(normaliseRecoveryCode('abIc-dOef-2345')).toBe('ab1cd0ef2345');
    expect(normaliseRecoveryCode('ablc-doef-2345')).toBe('ab1cd0ef2345');
    expect(hashRecoveryCode('AB1C D0EF 2345')).toBe(hashRecoveryCode('ab1c-d0ef-2345'));
  });

  it('refuse what cannot be a code', () => {
    for (const input of [
      '',
      'ab1c-d0ef-234',
      'ab1c-d0ef-23456',
      'ab1c-d0ef-234u',
      'ab1c-d0ef-234!',
    ])
      expect(normaliseRecoveryCode(input)).toBeNull();
    expect(hashRecoveryCode('nope')).toBeNull();
  });

  it('are stored as the SHA-256 of the normalised code', () => {
    const [code = ''] = newRecoveryCodes(1);
    const hash = hashRecoveryCode(code);
    expect(hash).toMatch(/^[0-9a-f]{64}$/u);
    expect(hash).not.toContain(code.replaceAll('-', ''));
  });
});
