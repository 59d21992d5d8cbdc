// Compares a stored fingerprint with the one a request presents, part by part, in constant time.
import { timingSafeEqual } from 'node:crypto';
import {
  ABSENT_PART,
  FINGERPRINT_PARTS,
  type FingerprintPart,
  type FingerprintParts,
} from './compute-fingerprint.js';

/** `enforce`: a difference revokes the session. `observe`: a difference is logged and counted. */
export type PartPolicy = 'enforce' | 'observe';
export type FingerprintPolicy = Readonly<Record<FingerprintPart, PartPolicy>>;

/** Defaults from the design: browser facts enforced; the IP observed (mobile networks move). */
export const DEFAULT_FINGERPRINT_POLICY: FingerprintPolicy = Object.freeze({
  userAgent: 'enforce',
  language: 'enforce',
  platform: 'enforce',
  mobile: 'enforce',
  ip: 'observe',
});

/**
 * Client hints (`sec-ch-ua-*`) are not sent on every kind of request (plain-HTTP origins,
 * some WebSocket handshakes), so they are compared only when both sides carry them. An
 * absent hint never revokes a session; a present, different one does.
 */
const COMPARED_ONLY_WHEN_BOTH_PRESENT: ReadonlySet<FingerprintPart> = new Set([
  'platform',
  'mobile',
]);

export interface FingerprintComparison {
  /** True when no compared part differs. */
  readonly matches: boolean;
  /** Every part that differs, in {@link FINGERPRINT_PARTS} order. */
  readonly differing: readonly FingerprintPart[];
  /** The differing parts whose policy is `enforce`. */
  readonly enforcedDiffering: readonly FingerprintPart[];
  /** True when any enforced part differs: the request must be denied and the session revoked. */
  readonly enforcedMismatch: boolean;
}

export function compareFingerprints(
  stored: FingerprintParts,
  presented: FingerprintParts,
  policy: FingerprintPolicy = DEFAULT_FINGERPRINT_POLICY,
): FingerprintComparison {
  const differing: FingerprintPart[] = [];
  // Every part is compared, whatever the earlier ones gave, so timing does not tell which
  // part (or how many) differed.
  for (const part of FINGERPRINT_PARTS) {
    const a = stored[part];
    const b = presented[part];
    const bothPresent = a !== ABSENT_PART && b !== ABSENT_PART;
    const same = isEqualConstantTime(a, b);
    if (!same && (bothPresent || !COMPARED_ONLY_WHEN_BOTH_PRESENT.has(part))) differing.push(part);
  }
  const enforcedDiffering = differing.filter((part) => policy[part] === 'enforce');
  return {
    matches: differing.length === 0,
    differing,
    enforcedDiffering,
    enforcedMismatch: enforcedDiffering.length > 0,
  };
}

function isEqualConstantTime(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Still spend a comparison so a length difference costs the same as a content one.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
