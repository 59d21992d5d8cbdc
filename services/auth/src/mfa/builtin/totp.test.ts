// TOTP as authenticator apps compute it (RFC 6238 vectors), with the step each code belongs to.
import { describe, expect, it } from 'vitest';
import {
  generateTotp,
  matchTotp,
  newTotpSecret,
  normaliseTotpCode,
  totpStep,
  totpUri,
} from './totp.js';

// RFC 6238 appendix B: the ASCII secret "12345678901234567890", SHA-1 (last 6 of 8 digits).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP', () => {
  it('computes the RFC 6238 SHA-1 test vectors', () => {
    expect(generateTotp(RFC_SECRET, 59_000)).toBe('287082');
    expect(generateTotp(RFC_SECRET, 1_111_111_109_000)).toBe('081804');
    expect(generateTotp(RFC_SECRET, 1_234_567_890_000)).toBe('005924');
  });

  it('makes 160-bit base32 secrets, a new one each time', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/u);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('writes the otpauth URI apps scan: issuer, account, SHA1, 6 digits, 30 s', () => {
    const uri = new URL(
      totpUri({ issuer: 'Acme Corp', account: 'ada@example.com', secret: RFC_SECRET }),
    );
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme Corp:ada@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Acme Corp',
      secret: RFC_SECRET,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    expect(() => totpUri({ issuer: 'a:b', account: 'x', secret: RFC_SECRET })).toThrow(TypeError);
  });

  it('matches the current step and one either side, and says which step', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    expect(matchTotp(RFC_SECRET, generateTotp(RFC_SECRET, now), now)).toBe(step);
    expect(matchTotp(RFC_SECRET, generateTotp(RFC_SECRET, now - 30_000), now)).toBe(step - 1);
    expect(matchTotp(RFC_SECRET, generateTotp(RFC_SECRET, now + 30_000), now)).toBe(step + 1);
    expect(matchTotp(RFC_SECRET, generateTotp(RFC_SECRET, now - 60_000), now)).toBeNull();
    expect(matchTotp(RFC_SECRET, generateTotp(RFC_SECRET, now + 60_000), now)).toBeNull();
    expect(matchTotp(newTotpSecret(), generateTotp(RFC_SECRET, now), now)).toBeNull();
  });

  it('reads codes typed with spaces or dashes, and nothing but six digits', () => {
    const now = 1_700_000_000_000;
    const code = generateTotp(RFC_SECRET, now);
    expect(matchTotp(RFC_SECRET, ` ${code.slice(0, 3)} ${code.slice(3)} `, now)).toBe(
      totpStep(now),
    );
    expect(matchTotp(RFC_SECRET, `${code.slice(0, 3)}-${code.slice(3)}`, now)).toBe(totpStep(now));
    expect(normaliseTotpCode('123 456')).toBe('123456');
    for (const input of ['12345', '1234567', '12345a', '１２３４５６', '', '123.456'])
      expect(normaliseTotpCode(input)).toBeNull();
  });
});
