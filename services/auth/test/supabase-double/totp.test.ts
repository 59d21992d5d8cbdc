// The double's RFC 6238 implementation against the RFC's own test vectors, and its URI format.
import { describe, expect, it } from 'vitest';
import {
  decodeBase32,
  encodeBase32,
  generateTotpSecret,
  isValidTotpCode,
  totpCode,
  totpUri,
} from './totp.js';

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; the last six of its eight digits.
const RFC_SECRET = encodeBase32(Buffer.from('12345678901234567890', 'ascii'));
const RFC_VECTORS: ReadonlyArray<[number, string]> = [
  [59, '287082'],
  [1_111_111_109, '081804'],
  [1_111_111_111, '050471'],
  [1_234_567_890, '005924'],
  [2_000_000_000, '279037'],
  [20_000_000_000, '353130'],
];

describe('totp', () => {
  it('computes the RFC 6238 SHA-1 test vectors', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    for (const [seconds, code] of RFC_VECTORS)
      expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(code);
  });

  it('accepts the previous, current and next step only', () => {
    const now = 1_700_000_000_000;
    const at = (steps: number) => totpCode(RFC_SECRET, now + steps * 30_000);
    expect([-1, 0, 1].map((steps) => isValidTotpCode(RFC_SECRET, at(steps), now))).toEqual([
      true,
      true,
      true,
    ]);
    expect(isValidTotpCode(RFC_SECRET, at(-2), now)).toBe(false);
    expect(isValidTotpCode(RFC_SECRET, at(2), now)).toBe(false);
    expect(isValidTotpCode(RFC_SECRET, `${at(0)}0`, now)).toBe(false);
    expect(isValidTotpCode(RFC_SECRET, '', now)).toBe(false);
  });

  it('makes 32-character base32 secrets of 20 bytes that round-trip', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(decodeBase32(secret)).toHaveLength(20);
    expect(encodeBase32(decodeBase32(secret))).toBe(secret);
  });

  it('builds the otpauth URI as pquerna/otp does: issuer label, sorted parameters, %20 for spaces', () => {
    expect(totpUri('My App', 'ada@example.com', 'ABC')).toBe(
      'otpauth://totp/My%20App:ada@example.com?algorithm=SHA1&digits=6&issuer=My%20App&period=30&secret=ABC',
    );
    // Go keeps `:` and `@` in a path but escapes them in a query.
    expect(totpUri('h:1', 'a@b', 'S')).toBe(
      'otpauth://totp/h:1:a@b?algorithm=SHA1&digits=6&issuer=h%3A1&period=30&secret=S',
    );
  });
});
