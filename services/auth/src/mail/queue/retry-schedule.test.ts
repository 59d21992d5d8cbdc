// Backoff between attempts at one mail, and which SMTP failures are worth another try.
import { describe, expect, it } from 'vitest';
import { MailDeliveryError } from '../mail-delivery-error.js';
import {
  failureCode,
  isMailServerFailure,
  isPermanentMailFailure,
  retryDelayMs,
} from './retry-schedule.js';

const policy = { baseMs: 1_000, maxMs: 60_000 };

describe('retryDelayMs', () => {
  it('doubles with each failure, between half and all of the step', () => {
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, policy, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, policy, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
  });

  it('never waits longer than the cap, however many failures', () => {
    expect(retryDelayMs(7, policy, () => 1)).toBe(60_000);
    expect(retryDelayMs(10_000, policy, () => 1)).toBe(60_000);
  });
});

describe('SMTP failures', () => {
  const refused = new MailDeliveryError('verify_email', 'no such mailbox', {
    code: 'EENVELOPE',
    responseCode: 550,
  });
  const busy = new MailDeliveryError('verify_email', 'try later', {
    code: 'EENVELOPE',
    responseCode: 451,
  });
  const down = new MailDeliveryError('verify_email', 'connect ECONNREFUSED', { code: 'ESOCKET' });
  const badLogin = new MailDeliveryError('verify_email', 'auth failed', {
    code: 'EAUTH',
    responseCode: 535,
  });

  it('gives up only on a 5xx refusal of the message itself', () => {
    expect(isPermanentMailFailure(refused)).toBe(true);
    for (const transient of [busy, down, badLogin])
      expect(isPermanentMailFailure(transient)).toBe(false);
  });

  it("counts towards the SMTP breaker only what is the server's fault", () => {
    expect(isMailServerFailure(refused)).toBe(false);
    for (const outage of [busy, down, badLogin]) expect(isMailServerFailure(outage)).toBe(true);
  });

  it('records a code, never a message', () => {
    expect(failureCode(refused)).toBe('EENVELOPE:550');
    expect(failureCode(down)).toBe('ESOCKET');
    expect(failureCode(new Error('something with https://x/?token=abc'))).toBe('error');
  });
});
