import { describe, expect, it } from 'vitest';
import { computeFingerprint, type FingerprintInput } from './compute-fingerprint.js';
import { createFingerprintMemo } from './fingerprint-memo.js';

const chrome: FingerprintInput = {
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/131.0.0.0 Safari/537.36',
  acceptLanguage: 'en-US,en;q=0.9',
  secChUaPlatform: '"macOS"',
  secChUaMobile: '?0',
  ip: '203.0.113.7',
};

describe('createFingerprintMemo', () => {
  it('returns what computeFingerprint returns, and the same object for the same facts', () => {
    const memo = createFingerprintMemo({ ipGranularity: 'prefix', maxEntries: 10 });
    const first = memo.compute(chrome);
    expect(first).toEqual(computeFingerprint(chrome, { ipGranularity: 'prefix' }));
    expect(memo.compute({ ...chrome })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.parts)).toBe(true);
  });

  it('applies its IP granularity', () => {
    const exact = createFingerprintMemo({ ipGranularity: 'exact', maxEntries: 10 });
    const neighbour = { ...chrome, ip: '203.0.113.8' };
    expect(exact.compute(chrome).digest).not.toBe(exact.compute(neighbour).digest);
    const prefix = createFingerprintMemo({ ipGranularity: 'prefix', maxEntries: 10 });
    expect(prefix.compute(chrome).digest).toBe(prefix.compute(neighbour).digest);
  });

  it.each<[string, FingerprintInput, FingerprintInput]>([
    [
      'a missing fact and an empty one',
      { ...chrome, secChUaMobile: undefined },
      { ...chrome, secChUaMobile: '' },
    ],
    [
      'facts that would join to the same text',
      { ...chrome, userAgent: 'a\u0000b', acceptLanguage: 'c' },
      { ...chrome, userAgent: 'a', acceptLanguage: 'b\u0000c' },
    ],
  ])('keeps %s apart', (_name, one, other) => {
    const memo = createFingerprintMemo({ ipGranularity: 'exact', maxEntries: 10 });
    expect(memo.compute(one)).toEqual(computeFingerprint(one, { ipGranularity: 'exact' }));
    expect(memo.compute(other)).toEqual(computeFingerprint(other, { ipGranularity: 'exact' }));
  });

  it('stays within its cap, forgetting the oldest facts first', () => {
    const memo = createFingerprintMemo({ ipGranularity: 'exact', maxEntries: 3 });
    const inputs = [1, 2, 3, 4, 5].map((n) => ({ ...chrome, ip: `198.51.100.${n}` }));
    const results = inputs.map((input) => memo.compute(input));
    expect(memo.size).toBe(3);
    expect(memo.compute(inputs[4] as FingerprintInput)).toBe(results[4]);
    // The first was forgotten: an equal, new object.
    const again = memo.compute(inputs[0] as FingerprintInput);
    expect(again).toEqual(results[0]);
    expect(again).not.toBe(results[0]);
  });

  it('does not remember very long facts', () => {
    const memo = createFingerprintMemo({ ipGranularity: 'exact', maxEntries: 10 });
    const long = { ...chrome, userAgent: 'x'.repeat(5_000) };
    expect(memo.compute(long)).toEqual(computeFingerprint(long, { ipGranularity: 'exact' }));
    expect(memo.size).toBe(0);
  });
});
