import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_LENGTH,
  normaliseAcceptLanguage,
  normaliseClientHint,
  normaliseMobileHint,
  normaliseUserAgent,
  reduceIp,
} from './normalise.js';

describe('normaliseUserAgent', () => {
  it.each([
    ['missing header', undefined, ''],
    ['empty header', '', ''],
    ['surrounding and repeated spaces', '  Mozilla/5.0   (X11)  ', 'Mozilla/5.0 (X11)'],
    ['control characters become spaces', 'Mozilla/5.0\u0000(X11)\tFoo', 'Mozilla/5.0 (X11) Foo'],
    ['case is kept', 'Mozilla/5.0 CHROME', 'Mozilla/5.0 CHROME'],
    ['unicode is put in NFC form', 'Cafe\u0301/1.0', 'Caf\u00e9/1.0'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseUserAgent(input)).toBe(expected);
  });

  it('bounds very long input to 512 characters', () => {
    expect(normaliseUserAgent('a'.repeat(100_000))).toHaveLength(512);
  });
});

describe('normaliseAcceptLanguage', () => {
  it.each([
    ['missing header', undefined, ''],
    ['single tag', 'en-US', 'en-us'],
    ['quality order wins over written order', 'en;q=0.9,en-US', 'en-us,en;q=0.9'],
    ['case and spacing do not matter', ' EN-us ,  en ; q=0.9 ', 'en-us,en;q=0.9'],
    ['equal quality sorts by tag', 'fr,de,en', 'de,en,fr'],
    ['q=0 means not acceptable and is dropped', 'en,fr;q=0', 'en'],
    ['invalid quality drops the entry', 'en,fr;q=2,de;q=abc', 'en'],
    ['duplicates keep the first', 'en,en;q=0.5', 'en'],
    ['wildcard is kept', '*;q=0.1,en', 'en,*;q=0.1'],
    ['garbage tags are dropped', 'en,<script>,12345,', 'en'],
    ['q=1.000 is the same as no q', 'en;q=1.000', 'en'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseAcceptLanguage(input)).toBe(expected);
  });

  it('keeps at most 16 entries of a very long header', () => {
    const header = Array.from({ length: 500 }, (_, i) => `x${i.toString(36)}`).join(',');
    expect(normaliseAcceptLanguage(header).split(',')).toHaveLength(16);
  });

  it('reads no more than the bounded prefix of the header', () => {
    const header = `${'en,'.repeat(MAX_HEADER_LENGTH)}fr`;
    expect(normaliseAcceptLanguage(header)).toBe('en');
  });

  it('treats two orderings of the same preferences as the same', () => {
    expect(normaliseAcceptLanguage('de-CH, de;q=0.8, en;q=0.5')).toBe(
      normaliseAcceptLanguage('en;q=0.5,DE;q=0.8,de-ch'),
    );
  });
});

describe('client hints', () => {
  it.each([
    [undefined, ''],
    ['"macOS"', 'macos'],
    ['  "Windows" ', 'windows'],
    ['Linux', 'linux'],
    ['"Chrome OS"', 'chrome os'],
  ])('platform %j → %j', (input, expected) => {
    expect(normaliseClientHint(input)).toBe(expected);
  });

  it.each([
    [undefined, ''],
    ['?1', 'mobile'],
    ['?0', 'desktop'],
    [' ?0 ', 'desktop'],
    ['true', ''],
    ['?2', ''],
  ])('mobile %j → %j', (input, expected) => {
    expect(normaliseMobileHint(input)).toBe(expected);
  });

  it('bounds a very long hint', () => {
    expect(normaliseClientHint(`"${'x'.repeat(10_000)}"`).length).toBeLessThanOrEqual(64);
  });
});

describe('reduceIp', () => {
  it.each([
    ['none drops the address', '203.0.113.7', 'none', ''],
    ['missing address', undefined, 'exact', ''],
    ['IPv4 exact', '203.0.113.7', 'exact', '203.0.113.7'],
    ['IPv4 prefix is the /24', '203.0.113.7', 'prefix', '203.0.113.0/24'],
    ['IPv4-mapped IPv6 is IPv4', '::ffff:203.0.113.7', 'exact', '203.0.113.7'],
    ['IPv4-mapped IPv6 prefix is the IPv4 /24', '::ffff:203.0.113.7', 'prefix', '203.0.113.0/24'],
    [
      'IPv6 exact is RFC 5952 form',
      '2001:0DB8:0000:0000:0000:0000:0000:0001',
      'exact',
      '2001:db8::1',
    ],
    ['IPv6 compressed and expanded agree', '2001:db8::1', 'exact', '2001:db8::1'],
    [
      'IPv6 prefix is the /64',
      '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff',
      'prefix',
      '2001:db8:aaaa:bbbb::/64',
    ],
    ['IPv6 zone id is ignored', 'fe80::1%eth0', 'exact', 'fe80::1'],
    ['bracketed IPv6', '[2001:db8::1]', 'exact', '2001:db8::1'],
    ['IPv6 loopback', '::1', 'prefix', '::/64'],
    ['not an address', 'not-an-ip', 'exact', ''],
    ['shorthand IPv4 is refused', '127.1', 'exact', ''],
    ['hex IPv4 is refused', '0x7f.0.0.1', 'exact', ''],
    ['very long garbage', '1'.repeat(10_000), 'exact', ''],
  ] as const)('%s', (_name, input, granularity, expected) => {
    expect(reduceIp(input, granularity)).toBe(expected);
  });

  it('puts two addresses of one IPv6 /64 in the same prefix', () => {
    expect(reduceIp('2001:db8:1:2::a', 'prefix')).toBe(reduceIp('2001:db8:1:2:ffff::b', 'prefix'));
    expect(reduceIp('2001:db8:1:2::a', 'prefix')).not.toBe(reduceIp('2001:db8:1:3::a', 'prefix'));
  });
});
