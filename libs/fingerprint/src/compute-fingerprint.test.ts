import { describe, expect, it } from 'vitest';
import { compareFingerprints, DEFAULT_FINGERPRINT_POLICY } from './compare-fingerprints.js';
import { fingerprintInputFromHeaders } from './fingerprint-input.js';
import {
  ABSENT_PART,
  computeFingerprint,
  deviceIdOf,
  FINGERPRINT_PARTS,
  type FingerprintInput,
} from './compute-fingerprint.js';

const chromeOnMac: FingerprintInput = {
  userAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  acceptLanguage: 'en-US,en;q=0.9',
  secChUaPlatform: '"macOS"',
  secChUaMobile: '?0',
  ip: '203.0.113.7',
};
const prefix = { ipGranularity: 'prefix' } as const;

describe('computeFingerprint', () => {
  it('gives a versioned SHA-256 digest and a short digest per part', () => {
    const fingerprint = computeFingerprint(chromeOnMac, prefix);
    expect(fingerprint.digest).toMatch(/^v1:[0-9a-f]{64}$/u);
    expect(Object.keys(fingerprint.parts)).toEqual([...FINGERPRINT_PARTS]);
    for (const part of FINGERPRINT_PARTS)
      expect(fingerprint.parts[part]).toMatch(/^[0-9a-f]{16}$/u);
  });

  it('is deterministic', () => {
    expect(computeFingerprint(chromeOnMac, prefix)).toEqual(
      computeFingerprint(chromeOnMac, prefix),
    );
  });

  it('ignores header spelling differences of the same browser', () => {
    const respelled = {
      ...chromeOnMac,
      userAgent: `  ${chromeOnMac.userAgent ?? ''}  `,
      acceptLanguage: 'en;q=0.9, EN-us',
      secChUaPlatform: 'macOS',
    };
    expect(computeFingerprint(respelled, prefix).digest).toBe(
      computeFingerprint(chromeOnMac, prefix).digest,
    );
  });

  it('keeps the digest within one IPv4 /24 under prefix granularity, not under exact', () => {
    const moved = { ...chromeOnMac, ip: '203.0.113.200' };
    expect(computeFingerprint(moved, prefix).digest).toBe(
      computeFingerprint(chromeOnMac, prefix).digest,
    );
    const exact = { ipGranularity: 'exact' } as const;
    expect(computeFingerprint(moved, exact).digest).not.toBe(
      computeFingerprint(chromeOnMac, exact).digest,
    );
  });

  it('changes only the part whose fact changed', () => {
    const before = computeFingerprint(chromeOnMac, prefix);
    const after = computeFingerprint({ ...chromeOnMac, acceptLanguage: 'de-DE' }, prefix);
    expect(after.digest).not.toBe(before.digest);
    const changed = FINGERPRINT_PARTS.filter((part) => after.parts[part] !== before.parts[part]);
    expect(changed).toEqual(['language']);
  });

  it('marks missing facts as absent, with every header missing', () => {
    const fingerprint = computeFingerprint({}, prefix);
    expect(fingerprint.digest).toMatch(/^v1:[0-9a-f]{64}$/u);
    for (const part of FINGERPRINT_PARTS) expect(fingerprint.parts[part]).toBe(ABSENT_PART);
  });

  it('keeps values apart that only a separator would tell apart', () => {
    const a = computeFingerprint({ userAgent: 'x\nlanguage=en' }, prefix);
    const b = computeFingerprint({ userAgent: 'x', acceptLanguage: 'en' }, prefix);
    expect(a.digest).not.toBe(b.digest);
  });

  it('computes over very long and unicode headers without throwing', () => {
    const fingerprint = computeFingerprint(
      { userAgent: '🦊'.repeat(50_000), acceptLanguage: 'ü'.repeat(50_000), ip: '::ffff:10.0.0.1' },
      prefix,
    );
    expect(fingerprint.digest).toMatch(/^v1:[0-9a-f]{64}$/u);
  });
});

describe('deviceIdOf', () => {
  it('is the same device on another network and a different one with another browser', () => {
    const home = computeFingerprint(chromeOnMac, { ipGranularity: 'exact' });
    const cafe = computeFingerprint(
      { ...chromeOnMac, ip: '198.51.100.1' },
      { ipGranularity: 'exact' },
    );
    const firefox = computeFingerprint({ ...chromeOnMac, userAgent: 'Firefox/133' }, prefix);
    expect(deviceIdOf(cafe)).toBe(deviceIdOf(home));
    expect(deviceIdOf(firefox)).not.toBe(deviceIdOf(home));
    expect(deviceIdOf(home)).toMatch(/^v1:[0-9a-f]{64}$/u);
  });
});

describe('compareFingerprints', () => {
  const stored = computeFingerprint(chromeOnMac, prefix).parts;

  it('matches the same browser', () => {
    const result = compareFingerprints(stored, computeFingerprint(chromeOnMac, prefix).parts);
    expect(result).toEqual({
      matches: true,
      differing: [],
      enforcedDiffering: [],
      enforcedMismatch: false,
    });
  });

  it('reports an enforced user-agent change', () => {
    const presented = computeFingerprint({ ...chromeOnMac, userAgent: 'curl/8.5.0' }, prefix).parts;
    const result = compareFingerprints(stored, presented, DEFAULT_FINGERPRINT_POLICY);
    expect(result.matches).toBe(false);
    expect(result.differing).toEqual(['userAgent']);
    expect(result.enforcedMismatch).toBe(true);
  });

  it('observes but does not enforce an IP change under the default policy', () => {
    const presented = computeFingerprint({ ...chromeOnMac, ip: '198.51.100.1' }, prefix).parts;
    const result = compareFingerprints(stored, presented);
    expect(result.differing).toEqual(['ip']);
    expect(result.enforcedDiffering).toEqual([]);
    expect(result.enforcedMismatch).toBe(false);
  });

  it('enforces the IP when the policy says so', () => {
    const presented = computeFingerprint({ ...chromeOnMac, ip: '198.51.100.1' }, prefix).parts;
    const result = compareFingerprints(stored, presented, {
      ...DEFAULT_FINGERPRINT_POLICY,
      ip: 'enforce',
    });
    expect(result.enforcedMismatch).toBe(true);
  });

  it('does not enforce a part set to observe', () => {
    const presented = computeFingerprint({ ...chromeOnMac, acceptLanguage: 'fr' }, prefix).parts;
    const result = compareFingerprints(stored, presented, {
      ...DEFAULT_FINGERPRINT_POLICY,
      language: 'observe',
    });
    expect(result).toMatchObject({
      matches: false,
      differing: ['language'],
      enforcedMismatch: false,
    });
  });

  it('skips client hints the request does not carry, but enforces hints that differ', () => {
    const withoutHints = computeFingerprint(
      { ...chromeOnMac, secChUaPlatform: undefined, secChUaMobile: undefined },
      prefix,
    ).parts;
    expect(compareFingerprints(stored, withoutHints).matches).toBe(true);
    const otherPlatform = computeFingerprint(
      { ...chromeOnMac, secChUaPlatform: '"Windows"' },
      prefix,
    ).parts;
    expect(compareFingerprints(stored, otherPlatform).enforcedDiffering).toEqual(['platform']);
    const mobile = computeFingerprint({ ...chromeOnMac, secChUaMobile: '?1' }, prefix).parts;
    expect(compareFingerprints(stored, mobile).enforcedDiffering).toEqual(['mobile']);
  });

  it('treats a missing user agent as a difference', () => {
    const presented = computeFingerprint({ ...chromeOnMac, userAgent: undefined }, prefix).parts;
    expect(compareFingerprints(stored, presented).enforcedDiffering).toEqual(['userAgent']);
  });

  it('treats a malformed stored part as a difference, never as a match', () => {
    const corrupted = { ...stored, userAgent: 'short' };
    expect(compareFingerprints(corrupted, stored).enforcedDiffering).toEqual(['userAgent']);
  });
});

describe('fingerprintInputFromHeaders', () => {
  it('reads the four headers and the trusted IP, taking the first of repeated values', () => {
    expect(
      fingerprintInputFromHeaders(
        {
          'user-agent': 'UA',
          'accept-language': ['en', 'fr'],
          'sec-ch-ua-platform': '"Linux"',
          'sec-ch-ua-mobile': '?0',
          'x-forwarded-for': '6.6.6.6',
        },
        '203.0.113.1',
      ),
    ).toEqual({
      userAgent: 'UA',
      acceptLanguage: 'en',
      secChUaPlatform: '"Linux"',
      secChUaMobile: '?0',
      ip: '203.0.113.1',
    });
  });
});
