import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HANDOFF_TTL_MS, isSafeRedirectPath, signHandoff, verifyHandoff } from './handoff.js';

const secret = 'a-shared-handoff-secret-of-enough-length';
const now = 1_700_000_000_000;

/** A token signed with `secret` over any payload, as an attacker holding the secret could build. */
function forge(payload: unknown, key = secret): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `v1.${body}.${createHmac('sha256', key).update(`v1.${body}`).digest('base64url')}`;
}

describe('handoff', () => {
  it('round-trips a path with its query', () => {
    const token = signHandoff('/app/reports?year=2026&q=a%20b', secret, { now });
    expect(verifyHandoff(token, secret, { now: now + 1_000 })).toEqual({
      ok: true,
      path: '/app/reports?year=2026&q=a%20b',
    });
  });

  it('expires after five minutes', () => {
    const token = signHandoff('/app/', secret, { now });
    expect(verifyHandoff(token, secret, { now: now + HANDOFF_TTL_MS - 1 }).ok).toBe(true);
    expect(verifyHandoff(token, secret, { now: now + HANDOFF_TTL_MS })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a tampered path or signature', () => {
    const token = signHandoff('/app/', secret, { now });
    const [version, payload, signature] = token.split('.') as [string, string, string];
    const otherPayload = Buffer.from(JSON.stringify({ p: '/admin/', e: now + 60_000 })).toString(
      'base64url',
    );
    expect(verifyHandoff(`${version}.${otherPayload}.${signature}`, secret, { now }).ok).toBe(
      false,
    );
    expect(
      verifyHandoff(`${version}.${payload}.${signature.slice(0, -2)}AA`, secret, { now }),
    ).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyHandoff(token, 'another-secret-entirely-xxxxxxxxxxx', { now })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it.each([
    ['empty', ''],
    ['no dots', 'garbage'],
    ['wrong version', signHandoff('/app/', secret, { now }).replace(/^v1/u, 'v2')],
    ['extra segment', `${signHandoff('/app/', secret, { now })}.x`],
    ['huge', 'v1.'.padEnd(10_000, 'a')],
  ])('refuses a malformed token: %s', (_name, token) => {
    expect(verifyHandoff(token, secret, { now }).ok).toBe(false);
  });

  it('refuses a well-signed payload of the wrong shape', () => {
    expect(verifyHandoff(forge({ p: 1, e: now + 1 }), secret, { now })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyHandoff(forge('just a string'), secret, { now })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it.each([
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example/',
    '/app\\..\\evil',
    '/app/\u0000',
    'javascript:alert(1)',
  ])('refuses a foreign-origin target even when signed: %s', (path) => {
    expect(verifyHandoff(forge({ p: path, e: now + 60_000 }), secret, { now })).toEqual({
      ok: false,
      reason: 'unsafe_path',
    });
  });

  it('will not sign a path that leaves the origin', () => {
    expect(() => signHandoff('//evil.example', secret)).toThrow('leaves the origin');
  });
});

describe('isSafeRedirectPath', () => {
  it.each([
    ['/app/', true],
    ['/app/?q=1#frag', true],
    ['/', true],
    ['', false],
    ['app/', false],
    ['//x', false],
    ['/\\x', false],
    ['/a\tb', false],
    [`/${'a'.repeat(3_000)}`, false],
    ['/%2F%2Fevil', true],
  ])('%j → %s', (path, safe) => {
    expect(isSafeRedirectPath(path)).toBe(safe);
  });
});
