// The shape of an entry of the audit stream (AUDIT_STREAM): one field `event` holding the JSON of
// a NewAuditEvent. Written by the gateway, read here; an entry that does not parse is not an event.
import { z } from 'zod';
import type { NewAuditEvent } from '../admin/admin-ports.js';

const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((value) => (value === '' || value === undefined ? null : value));

/** A NewAuditEvent as JSON. Absent optional fields are null; `source` defaults to `gateway`. */
export const newAuditEventSchema = z.object({
  at: z.number().int().nonnegative(),
  type: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-z0-9][a-z0-9_.:-]*$/u),
  userId: optionalText(256),
  actor: optionalText(256),
  sessionId: optionalText(256),
  ip: optionalText(64),
  requestId: optionalText(128),
  source: z.string().min(1).max(32).default('gateway'),
  details: z.record(z.string(), z.unknown()).default({}),
}) satisfies z.ZodType<NewAuditEvent>;

/** The entry's event, or null when it is not one (missing field, not JSON, wrong shape). */
export function parseAuditStreamEntry(fields: readonly string[]): NewAuditEvent | null {
  let json: string | undefined;
  for (let index = 0; index + 1 < fields.length; index += 2)
    if (fields[index] === 'event') json = fields[index + 1];
  if (json === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  const parsed = newAuditEventSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The entry's fields, as the gateway writes them (`XADD AUDIT_STREAM * event <json>`). */
export function auditStreamFields(event: NewAuditEvent): ['event', string] {
  return ['event', JSON.stringify(event)];
}
