// The session decision, as a pure function shared by gateway and auth: found record + presented
// fingerprint → verdict.
import {
  compareFingerprints,
  type Fingerprint,
  type FingerprintPart,
  type FingerprintPolicy,
} from '@authflow/fingerprint';
import type { SessionRecord } from './session-record.js';

export type DenialReason = 'unauthenticated' | 'session_invalid' | 'fingerprint_mismatch';

export type Verdict =
  | {
      readonly ok: true;
      readonly session: SessionRecord;
      /** Parts that differ under an `observe` policy: allowed, but logged and counted. */
      readonly observed: readonly FingerprintPart[];
    }
  | { readonly ok: false; readonly reason: 'session_invalid' }
  | {
      readonly ok: false;
      readonly reason: 'fingerprint_mismatch';
      readonly differing: readonly FingerprintPart[];
    };

export interface VerificationInput {
  /** The session the token points to, or null when the store has none. */
  readonly session: SessionRecord | null;
  readonly fingerprint: Fingerprint;
  readonly policy: FingerprintPolicy;
  readonly now: number;
}

export function verifySession(input: VerificationInput): Verdict {
  const { session } = input;
  if (session === null || session.absoluteExpiresAt <= input.now)
    return { ok: false, reason: 'session_invalid' };
  // Same digest means every part matches: the common case costs one string comparison.
  if (session.fingerprint.digest === input.fingerprint.digest)
    return { ok: true, session, observed: [] };
  const comparison = compareFingerprints(
    session.fingerprint.parts,
    input.fingerprint.parts,
    input.policy,
  );
  if (comparison.enforcedMismatch) {
    return { ok: false, reason: 'fingerprint_mismatch', differing: comparison.enforcedDiffering };
  }
  return { ok: true, session, observed: comparison.differing };
}
