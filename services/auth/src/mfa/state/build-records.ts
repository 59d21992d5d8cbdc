// New pending sign-ins and trusted devices, built the same way by every adapter.
import { randomBytes } from 'node:crypto';
import type { NewPendingSignIn, PendingSignIn, TrustedDevice } from '../mfa-ports.js';
import { MAX_DEVICE_LABEL } from './mfa-state-records.js';

export interface PendingOptions {
  readonly ttlMs: number;
  readonly maxAttempts: number;
}

export function buildPendingSignIn(
  id: string,
  input: NewPendingSignIn,
  now: number,
  options: PendingOptions,
): PendingSignIn {
  return {
    id,
    userId: input.userId,
    email: input.email,
    fingerprint: input.fingerprint,
    next: input.next,
    amr: [...input.amr],
    provider: input.provider,
    createdAt: now,
    expiresAt: now + options.ttlMs,
    attemptsLeft: Math.max(1, Math.floor(options.maxAttempts)),
  };
}

/**
 * A trusted device under a fresh random id (144 bits: the signed cookie names it, and a
 * guessed id must still find nothing).
 */
export function buildTrustedDevice(
  input: Omit<TrustedDevice, 'id' | 'createdAt'>,
  now: number,
): TrustedDevice {
  return {
    id: randomBytes(18).toString('base64url'),
    userId: input.userId,
    fingerprint: input.fingerprint,
    deviceLabel: input.deviceLabel.slice(0, MAX_DEVICE_LABEL),
    createdAt: now,
    expiresAt: input.expiresAt,
  };
}
