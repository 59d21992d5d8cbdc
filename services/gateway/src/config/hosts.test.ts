import { describe, expect, it } from 'vitest';
import {
  hostMatches,
  hostSetsOverlap,
  hostsCover,
  normalizeHostPattern,
  normalizeRequestHost,
} from './hosts.js';

describe('normalizeRequestHost', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['example.com:8443', 'example.com'],
    ['EXAMPLE.com.:80', 'example.com'],
    ['example.com.', 'example.com'],
    ['localhost:8000', 'localhost'],
    ['127.0.0.1:8000', '127.0.0.1'],
    ['authflow_gateway', 'authflow_gateway'],
    ['[::1]:8000', ''],
    ['', ''],
    [undefined, ''],
    ['exa mple.com', ''],
    ['example.com:port', ''],
    ['a..b', ''],
    ['evil.com/x', ''],
    [`${'a'.repeat(64)}.com`, ''],
  ])('%j → %j', (header, host) => {
    expect(normalizeRequestHost(header)).toBe(host);
  });
});

describe('normalizeHostPattern', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM.', 'example.com'],
    ['*.Example.com', '*.example.com'],
    ['*', undefined],
    ['*.', undefined],
    ['a.*.example.com', undefined],
    ['example.com:443', undefined],
    ['https://example.com', undefined],
    ['-bad.example.com', undefined],
  ])('%j → %j', (pattern, normalized) => {
    expect(normalizeHostPattern(pattern)).toBe(normalized);
  });
});

describe('hostMatches', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['example.com', 'www.example.com', false],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'badexample.com', false],
    ['*.example.com', '', false],
    ['example.com', '', false],
  ])('%s covers %j: %s', (pattern, host, covers) => {
    expect(hostMatches(pattern, host)).toBe(covers);
  });

  it('lets a route without hosts serve every host, a request without one included', () => {
    expect(hostsCover(undefined, '')).toBe(true);
    expect(hostsCover(['a.test'], '')).toBe(false);
    expect(hostsCover(['a.test', '*.b.test'], 'x.b.test')).toBe(true);
  });
});

describe('hostSetsOverlap', () => {
  it.each([
    [undefined, undefined, 'every host'],
    [undefined, ['a.test'], 'a.test'],
    [['a.test'], undefined, 'a.test'],
    [['a.test'], ['b.test'], undefined],
    [['a.test', 'b.test'], ['c.test', 'b.test'], 'b.test'],
    [['*.a.test'], ['x.a.test'], 'x.a.test'],
    [['*.a.test'], ['a.test'], undefined],
    [['*.a.test'], ['*.b.a.test'], '*.b.a.test'],
    [['*.b.a.test'], ['*.a.test'], '*.b.a.test'],
    [['*.a.test'], ['*.ba.test'], undefined],
  ])('%j and %j → %j', (a, b, shared) => {
    expect(hostSetsOverlap(a, b)).toBe(shared);
  });
});
