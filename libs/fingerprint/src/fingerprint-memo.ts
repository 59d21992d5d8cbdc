// Remembers the fingerprints of recently seen request facts: a gateway sees the same few browsers
// over and over, and each fingerprint costs six SHA-256 digests and the normalisation.
import {
  computeFingerprint,
  type Fingerprint,
  type FingerprintInput,
  type FingerprintOptions,
} from './compute-fingerprint.js';

export interface FingerprintMemoOptions extends FingerprintOptions {
  /** Distinct fact combinations remembered; the oldest is forgotten beyond it. */
  readonly maxEntries: number;
}

/** Facts longer than this (together) are computed every time, so the memo stays small. */
const MAX_KEY_LENGTH = 1_024;
/** Cannot occur in an HTTP header value; inputs that contain it anyway are not memoised. */
const SEPARATOR = '\u0000';

export interface FingerprintMemo {
  /** Same result as {@link computeFingerprint} with the memo's options (a frozen object). */
  compute(input: FingerprintInput): Fingerprint;
  readonly size: number;
}

export function createFingerprintMemo(options: FingerprintMemoOptions): FingerprintMemo {
  const { maxEntries } = options;
  const computeOptions: FingerprintOptions = { ipGranularity: options.ipGranularity };
  const entries = new Map<string, Fingerprint>();
  return {
    get size() {
      return entries.size;
    },
    compute(input) {
      const key =
        (input.userAgent ?? SEPARATOR) +
        SEPARATOR +
        (input.acceptLanguage ?? SEPARATOR) +
        SEPARATOR +
        (input.secChUaPlatform ?? SEPARATOR) +
        SEPARATOR +
        (input.secChUaMobile ?? SEPARATOR) +
        SEPARATOR +
        (input.ip ?? SEPARATOR);
      if (key.length > MAX_KEY_LENGTH || maxEntries <= 0 || !separatesCleanly(input))
        return computeFingerprint(input, computeOptions);
      const known = entries.get(key);
      if (known !== undefined) return known;
      const fingerprint = freeze(computeFingerprint(input, computeOptions));
      // Insertion order is age: the first key is the oldest.
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, fingerprint);
      return fingerprint;
    },
  };
}

/** True when no fact contains the separator, so the key maps back to exactly one input. */
function separatesCleanly(input: FingerprintInput): boolean {
  return (
    input.userAgent?.includes(SEPARATOR) !== true &&
    input.acceptLanguage?.includes(SEPARATOR) !== true &&
    input.secChUaPlatform?.includes(SEPARATOR) !== true &&
    input.secChUaMobile?.includes(SEPARATOR) !== true &&
    input.ip?.includes(SEPARATOR) !== true
  );
}

function freeze(fingerprint: Fingerprint): Fingerprint {
  Object.freeze(fingerprint.parts);
  return Object.freeze(fingerprint);
}
