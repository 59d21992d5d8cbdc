// What an audit event may hold: details become bounded plain JSON without secrets, and a stream
// entry is an event only when it parses as one.
import { describe, expect, it } from 'vitest';
import { cleanText, isSecretKey, toAuditDetails } from './audit-details.js';
import { auditStreamFields, parseAuditStreamEntry } from './audit-stream-entry.js';
import { auditEvent } from './test-support/audit-events.js';

describe('audit details', () => {
  it('drops secret fields at every depth and keeps the rest', () => {
    expect(
      toAuditDetails({
        reason: 'logout',
        newPassword: 'x',
        currentPassword: 'x',
        apiKey: 'x',
        api_key: 'x',
        recoveryCodes: ['x'],
        otp: '123456',
        headers: { 'set-cookie': 'x', 'x-authflow-assertion': 'x', accept: 'text/html' },
        list: [{ tokenHash: 'x', id: 1 }],
      }),
    ).toEqual({ reason: 'logout', headers: { accept: 'text/html' }, list: [{ id: 1 }] });
    for (const key of ['password', 'refresh_token', 'clientSecret', 'authorization', 'code'])
      expect(isSecretKey(key)).toBe(true);
    for (const key of ['reason', 'userId', 'method', 'attemptsLeft', 'device', 'email'])
      expect(isSecretKey(key)).toBe(false);
  });

  it('turns any value into bounded plain JSON', () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    const details = toAuditDetails({
      when: new Date(0),
      big: 12n,
      nan: Number.NaN,
      fn: () => 1,
      missing: undefined,
      error: Object.assign(new Error('secret=abc in a message'), { code: 'ECONNREFUSED' }),
      deep,
      many: Array.from({ length: 80 }, (_, index) => index),
      long: 'x'.repeat(5_000),
    });
    expect(details).toMatchObject({
      when: '1970-01-01T00:00:00.000Z',
      big: '12',
      nan: null,
      error: { name: 'Error', code: 'ECONNREFUSED' },
      deep: { a: { b: { c: { d: '[nested]' } } } },
    });
    expect(details).not.toHaveProperty('fn');
    expect(details).not.toHaveProperty('missing');
    expect(details.many).toHaveLength(50);
    expect((details.long as string).length).toBeLessThanOrEqual(1_001);
    expect(JSON.stringify(details)).not.toContain('secret=abc');
    const wide = toAuditDetails(
      Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, i])),
    );
    expect(Object.keys(wide)).toHaveLength(50);
  });

  it('cleans text Postgres would refuse', () => {
    expect(cleanText('a\u0000b\ud800c')).toBe('ab\ufffdc');
  });
});

describe('audit stream entries', () => {
  it('reads the event a gateway wrote', () => {
    const event = auditEvent({ source: 'gateway', type: 'access.denied' });
    expect(parseAuditStreamEntry(auditStreamFields(event))).toEqual(event);
  });

  it('fills what a writer left out and ignores fields it does not know', () => {
    expect(
      parseAuditStreamEntry(['event', JSON.stringify({ at: 5, type: 'access.denied', extra: 1 })]),
    ).toEqual({
      at: 5,
      type: 'access.denied',
      userId: null,
      actor: null,
      sessionId: null,
      ip: null,
      requestId: null,
      source: 'gateway',
      details: {},
    });
  });

  it('is not an event without the field, without JSON, or with the wrong shape', () => {
    const good = JSON.stringify(auditEvent());
    for (const fields of [
      [],
      ['other', good],
      ['event'],
      ['event', '{'],
      ['event', 'null'],
      ['event', JSON.stringify({ ...auditEvent(), at: 'yesterday' })],
      ['event', JSON.stringify({ ...auditEvent(), type: 'Not A Type' })],
      ['event', JSON.stringify({ ...auditEvent(), type: '' })],
      ['event', JSON.stringify({ ...auditEvent(), details: ['x'] })],
      ['event', JSON.stringify({ ...auditEvent(), userId: 'u'.repeat(300) })],
    ])
      expect(parseAuditStreamEntry(fields)).toBeNull();
  });
});
