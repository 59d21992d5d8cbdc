// What binds a pending sign-in or a trusted-device cookie to a device: the fingerprint parts the
// policy enforces (DESIGN.md §4), hashed together. An observed part (the IP, by default) may
// change between the password and the code, as it may during a session.
import { createHash } from 'node:crypto';
import {
  computeFingerprint,
  type FingerprintPart,
  fingerprintInputFromHeaders,
  type IpGranularity,
} from '@authflow/fingerprint';
import type { IncomingHttpHeaders } from 'node:http';

export interface DeviceBindingPolicy {
  readonly ipGranularity: IpGranularity;
  /** The parts whose change ends a session (policy `enforce`). */
  readonly enforcedParts: readonly FingerprintPart[];
}

/** `db1:` + hex SHA-256 of the enforced parts' digests, in a fixed order. */
export function deviceBinding(
  client: { readonly headers: IncomingHttpHeaders; readonly ip: string },
  policy: DeviceBindingPolicy,
): string {
  const fingerprint = computeFingerprint(fingerprintInputFromHeaders(client.headers, client.ip), {
    ipGranularity: policy.ipGranularity,
  });
  const hash = createHash('sha256');
  for (const part of [...policy.enforcedParts].sort())
    hash.update(`${part}=${fingerprint.parts[part]};`);
  return `db1:${hash.digest('hex')}`;
}
