import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateSessionToken,
  isWellFormedSessionId,
  isWellFormedSessionToken,
  sessionIdFromToken,
} from './session-token.js';

describe('session tokens', () => {
  it('are 32 random bytes in base64url', () => {
    const token = generateSessionToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/u);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(generateSessionToken()).not.toBe(token);
  });

  it('derive the session id as base64url SHA-256 of the token', () => {
    const token = generateSessionToken();
    const expected = createHash('sha256').update(token).digest('base64url');
    expect(sessionIdFromToken(token)).toBe(expected);
    expect(isWellFormedSessionId(sessionIdFromToken(token))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['too short', 'abc'],
    ['one character too long', `${generateSessionToken()}A`],
    ['padding', `${generateSessionToken().slice(0, 42)}=`],
    ['standard base64 characters', `${generateSessionToken().slice(0, 42)}+`],
    ['whitespace', ` ${generateSessionToken().slice(1)}`],
  ])('reject a %s value', (_name, value) => {
    expect(isWellFormedSessionToken(value)).toBe(false);
  });
});
