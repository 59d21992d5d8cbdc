// How pending sign-ins and trusted devices are written to Redis, and the zod schemas every read
// goes through: a record that does not parse is absent, never half-trusted.
import { z } from 'zod';
import type { PendingSignIn, TrustedDevice } from '../mfa-ports.js';

const epochMilliseconds = z.number().int().nonnegative();

const pendingDataSchema = z.object({
  userId: z.string().min(1).max(256),
  email: z.string().max(1024),
  fingerprint: z.string().min(1).max(256),
  next: z.string().max(8192).nullable(),
  amr: z.array(z.string().max(32)).max(16),
  provider: z.string().min(1).max(64),
  createdAt: epochMilliseconds,
  expiresAt: epochMilliseconds,
});

const attemptsLeftSchema = z
  .string()
  .regex(/^\d{1,6}$/u)
  .transform(Number);

/** The `pending:{id}` hash: `data` (JSON of the fixed facts) and `left` (wrong codes still allowed). */
export function toPendingHash(pending: PendingSignIn): { data: string; left: string } {
  const data: z.input<typeof pendingDataSchema> = {
    userId: pending.userId,
    email: pending.email,
    fingerprint: pending.fingerprint,
    next: pending.next ?? null,
    amr: [...pending.amr],
    provider: pending.provider,
    createdAt: pending.createdAt,
    expiresAt: pending.expiresAt,
  };
  return { data: JSON.stringify(data), left: String(pending.attemptsLeft) };
}

export function parsePendingHash(id: string, hash: Record<string, string>): PendingSignIn | null {
  const left = attemptsLeftSchema.safeParse(hash.left);
  const data = pendingDataSchema.safeParse(parseJson(hash.data));
  if (!left.success || !data.success) return null;
  return { id, ...data.data, next: data.data.next ?? undefined, attemptsLeft: left.data };
}

/** Longest device label kept; a longer one is cut (a label is for display only). */
export const MAX_DEVICE_LABEL = 256;

const trustedDeviceSchema = z.object({
  id: z.string().min(1).max(128),
  userId: z.string().min(1).max(256),
  fingerprint: z.string().min(1).max(256),
  deviceLabel: z.string().max(MAX_DEVICE_LABEL),
  createdAt: epochMilliseconds,
  expiresAt: epochMilliseconds,
});

export function toTrustedDeviceJson(device: TrustedDevice): string {
  const stored: z.input<typeof trustedDeviceSchema> = {
    id: device.id,
    userId: device.userId,
    fingerprint: device.fingerprint,
    deviceLabel: device.deviceLabel,
    createdAt: device.createdAt,
    expiresAt: device.expiresAt,
  };
  return JSON.stringify(stored);
}

/** A stored device, only when it parses and belongs to `userId` under `id`. */
export function parseTrustedDevice(
  userId: string,
  id: string,
  json: string | null | undefined,
): TrustedDevice | null {
  const parsed = trustedDeviceSchema.safeParse(parseJson(json));
  if (!parsed.success || parsed.data.userId !== userId || parsed.data.id !== id) return null;
  return parsed.data;
}

function parseJson(text: string | null | undefined): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
