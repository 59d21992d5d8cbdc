// The session record: one zod schema for the Redis hash, parsed wherever a record is read.
import { FINGERPRINT_PARTS } from '@authflow/fingerprint';
import { z } from 'zod';

const epochMilliseconds = z
  .string()
  .regex(/^\d{1,15}$/u)
  .transform(Number);

/** A hash field that holds JSON, validated by `schema` after parsing. */
function jsonField<T extends z.ZodType>(schema: T) {
  return z.string().transform((text, context): z.output<T> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      context.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        context.addIssue({ code: 'custom', message: issue.message });
      return z.NEVER;
    }
    return parsed.data;
  });
}

/** Most roles a record holds, and the longest role (what `sessionHashSchema` accepts). */
export const MAX_ROLES = 64;
export const MAX_ROLE_LENGTH = 128;

/** True for a role list a record can hold: at most 64 roles of at most 128 characters. */
export function isStorableRoles(roles: readonly string[]): boolean {
  return roles.length <= MAX_ROLES && roles.every((role) => role.length <= MAX_ROLE_LENGTH);
}

/** Most authentication methods a session lists (RFC 8176 `amr`). */
export const MAX_AMR_ENTRIES = 8;

/**
 * An RFC 8176 method code (`pwd`, `otp`, `mfa`, ...) or one of ours (`fed`, `key`): a short
 * lower-case token. Checked by shape, not against a list, so a newer writer's code does not make
 * the whole session unreadable to an older reader.
 */
const amrCode = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/u);
const amrSchema = z.array(amrCode).min(1).max(MAX_AMR_ENTRIES);

/** True for a list a record can hold: 1 to 8 method codes. */
export function isStorableAmr(amr: readonly string[]): boolean {
  return amrSchema.safeParse(amr).success;
}

export type AssuranceLevel = 'aal1' | 'aal2';

/**
 * The methods of a record written before `amr` was stored (issue 15): a password, plus a second
 * factor at aal2, as the gateway has always asserted for such sessions.
 */
export function defaultAmrOf(aal: AssuranceLevel): readonly string[] {
  return aal === 'aal2' ? ['pwd', 'mfa'] : ['pwd'];
}

const partDigest = z.string().regex(/^(?:[0-9a-f]{16}|-)$/u);
const fingerprintPartsSchema = z.strictObject(
  Object.fromEntries(FINGERPRINT_PARTS.map((part) => [part, partDigest])) as Record<
    (typeof FINGERPRINT_PARTS)[number],
    typeof partDigest
  >,
);

/**
 * `session:{sessionId}` as stored in Redis (DESIGN.md §3): every field a string. A record that
 * does not parse counts as invalid, never as valid.
 */
export const sessionHashSchema = z
  .object({
    user_id: z.string().min(1).max(256),
    email: z.string().max(320),
    roles: jsonField(z.array(z.string().max(MAX_ROLE_LENGTH)).max(MAX_ROLES)),
    provider: z.string().min(1).max(64),
    fp: z.string().regex(/^v\d+:[0-9a-f]{64}$/u),
    fp_parts: jsonField(fingerprintPartsSchema),
    created_at: epochMilliseconds,
    last_seen_at: epochMilliseconds,
    absolute_expires_at: epochMilliseconds,
    ip: z.string().max(64),
    user_agent: z.string().max(512),
    device_label: z.string().max(128),
    aal: z.enum(['aal1', 'aal2']),
    // Both optional: records written before issue 15 lack them and still parse.
    amr: jsonField(amrSchema).optional(),
    mfa_at: epochMilliseconds.optional(),
    // Optional: records written before issue 17 lack it and read as not verified.
    email_verified: z.enum(['1', '0']).optional(),
  })
  .transform((hash) => ({
    userId: hash.user_id,
    email: hash.email,
    roles: hash.roles,
    provider: hash.provider,
    fingerprint: { digest: hash.fp, parts: hash.fp_parts },
    createdAt: hash.created_at,
    lastSeenAt: hash.last_seen_at,
    absoluteExpiresAt: hash.absolute_expires_at,
    ip: hash.ip,
    userAgent: hash.user_agent,
    deviceLabel: hash.device_label,
    aal: hash.aal,
    amr: hash.amr ?? defaultAmrOf(hash.aal),
    // When the last second factor was presented (epoch ms); null when never (or not recorded).
    mfaAt: hash.mfa_at ?? null,
    // Whether the address was proven when the session opened; false when not recorded.
    emailVerified: hash.email_verified === '1',
  }));

/** A live session as the services see it. Times are epoch milliseconds. */
export type SessionRecord = Readonly<z.output<typeof sessionHashSchema> & { id: string }>;

/** Longest user agent kept in a record (the rest is cut, DESIGN.md §3). */
export const MAX_STORED_USER_AGENT = 512;

/** Parses a hash read from the store; `null` for anything that is not a valid record. */
export function parseSessionHash(
  sessionId: string,
  hash: Readonly<Record<string, string>>,
): SessionRecord | null {
  const parsed = sessionHashSchema.safeParse(hash);
  return parsed.success ? { id: sessionId, ...parsed.data } : null;
}

/** The hash fields of a record, in the stored form. */
export function toSessionHash(record: Omit<SessionRecord, 'id'>): Record<string, string> {
  return {
    user_id: record.userId,
    email: record.email,
    roles: JSON.stringify(record.roles),
    provider: record.provider,
    fp: record.fingerprint.digest,
    fp_parts: JSON.stringify(record.fingerprint.parts),
    created_at: String(record.createdAt),
    last_seen_at: String(record.lastSeenAt),
    absolute_expires_at: String(record.absoluteExpiresAt),
    ip: record.ip,
    user_agent: record.userAgent.slice(0, MAX_STORED_USER_AGENT),
    device_label: record.deviceLabel,
    aal: record.aal,
    amr: JSON.stringify(record.amr),
    ...(record.mfaAt === null ? {} : { mfa_at: String(record.mfaAt) }),
    email_verified: record.emailVerified ? '1' : '0',
  };
}
