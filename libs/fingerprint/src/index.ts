// Public surface of @authflow/fingerprint: pure functions, no framework, store or env access.
export {
  ABSENT_PART,
  computeFingerprint,
  deviceIdOf,
  FINGERPRINT_PARTS,
  FINGERPRINT_VERSION,
  type Fingerprint,
  type FingerprintInput,
  type FingerprintOptions,
  type FingerprintPart,
  type FingerprintParts,
} from './compute-fingerprint.js';
export {
  compareFingerprints,
  DEFAULT_FINGERPRINT_POLICY,
  type FingerprintComparison,
  type FingerprintPolicy,
  type PartPolicy,
} from './compare-fingerprints.js';
export { describeDevice } from './describe-device.js';
export {
  createFingerprintMemo,
  type FingerprintMemo,
  type FingerprintMemoOptions,
} from './fingerprint-memo.js';
export { fingerprintInputFromHeaders, type HeaderBag } from './fingerprint-input.js';
export {
  type IpGranularity,
  MAX_HEADER_LENGTH,
  normaliseAcceptLanguage,
  normaliseClientHint,
  normaliseMobileHint,
  normaliseUserAgent,
  reduceIp,
} from './normalise.js';
