import { describe, expect, it } from 'vitest';
import {
  expiredSessionCookie,
  readCookie,
  removeCookie,
  sessionCookieAttributes,
  sessionCookieName,
  sessionIdFromCookieHeader,
} from './session-cookie.js';
import { generateSessionToken, sessionIdFromToken } from './session-token.js';

describe('session cookie', () => {
  it('is named per mode', () => {
    expect(sessionCookieName(true)).toBe('__Host-authflow_session');
    expect(sessionCookieName(false)).toBe('authflow_session');
  });

  it('has the DESIGN attributes', () => {
    expect(sessionCookieAttributes(true)).toEqual({
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    });
    expect(sessionCookieAttributes(false).secure).toBe(false);
    expect(expiredSessionCookie(true)).toBe(
      '__Host-authflow_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
    );
    expect(expiredSessionCookie(false)).toBe(
      'authflow_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax',
    );
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['authflow_session=abc', 'abc'],
    ['theme=dark; authflow_session=abc; other=1', 'abc'],
    ['theme=dark;authflow_session=abc', 'abc'],
    ['xauthflow_session=nope; authflow_session=yes', 'yes'],
    ['authflow_session=first; authflow_session=second', 'first'],
    ['authflow_session=', ''],
    ['garbage-without-equals; authflow_session=ok', 'ok'],
    ['__Host-authflow_session=secure', undefined],
  ])('reads %j', (header, expected) => {
    expect(readCookie(header, 'authflow_session')).toBe(expected);
  });

  it.each([
    [undefined, undefined],
    ['authflow_session=abc', undefined],
    ['theme=dark; authflow_session=abc; other=1', 'theme=dark; other=1'],
    ['authflow_session=a; authflow_session=b; x=1', 'x=1'],
    ['x=1', 'x=1'],
  ])('removes it from %j', (header, expected) => {
    expect(removeCookie(header, 'authflow_session')).toBe(expected);
  });

  it('names the session of a well-formed token in a Cookie header, and nothing else', () => {
    const token = generateSessionToken();
    const id = sessionIdFromToken(token);
    const name = 'authflow_session';
    expect(sessionIdFromCookieHeader(`theme=dark; ${name}=${token}`, name)).toBe(id);
    expect(
      sessionIdFromCookieHeader(`${name}=${token}`, '__Host-authflow_session'),
    ).toBeUndefined();
    for (const header of [
      undefined,
      '',
      'theme=dark',
      `${name}=`,
      `${name}=${token}x`,
      `${name}=a.b`,
    ])
      expect(sessionIdFromCookieHeader(header, name)).toBeUndefined();
  });
});
