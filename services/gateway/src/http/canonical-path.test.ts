import { describe, expect, it } from 'vitest';
import { isCanonicalPath } from './canonical-path.js';

describe('isCanonicalPath', () => {
  it.each([
    '/',
    '/app/',
    '/app/page?x=1&y=../z',
    '/app/file.v2.js',
    '/app/%E2%9C%93',
    '/app/a%20b',
    '/app/.well-known/thing',
    '/app/..hidden',
  ])('accepts %s', (url) => {
    expect(isCanonicalPath(url)).toBe(true);
  });

  it.each([
    ['dot-dot', '/app/../auth/'],
    ['dot', '/app/./page'],
    ['encoded dot-dot', '/app/%2e%2e/auth/'],
    ['mixed-case encoded dot-dot', '/app/%2E./auth/'],
    ['trailing dot-dot', '/app/..'],
    ['matrix dot-dot', '/app/..;/auth/'],
    ['double slash', '/app//auth'],
    ['leading double slash', '//evil.example/'],
    ['backslash', '/app\\..\\auth'],
    ['encoded slash', '/app/..%2fauth'],
    ['encoded backslash', '/app/..%5Cauth'],
    ['encoded NUL', '/app/x%00.js'],
    ['malformed escape', '/app/%E0%A4%A'],
    ['not absolute', 'app/'],
    ['absolute URL', 'http://x/app/'],
  ])('refuses %s', (_name, url) => {
    expect(isCanonicalPath(url)).toBe(false);
  });
});
