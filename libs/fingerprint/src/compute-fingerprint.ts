// Builds the versioned device fingerprint of a request from its normalised facts.
import { hash } from 'node:crypto';
import {
  type IpGranularity,
  normaliseAcceptLanguage,
  normaliseClientHint,
  normaliseMobileHint,
  normaliseUserAgent,
  reduceIp,
} from './normalise.js';

/** The request facts a fingerprint is made of, in a fixed order (part of the v1 format). */
export const FINGERPRINT_PARTS = ['userAgent', 'language', 'platform', 'mobile', 'ip'] as const;
export type FingerprintPart = (typeof FINGERPRINT_PARTS)[number];

/** Per-part digests: 16 hex characters each, or {@link ABSENT_PART} when the fact was missing. */
export type FingerprintParts = Readonly<Record<FingerprintPart, string>>;

export interface Fingerprint {
  /** `v1:` + hex SHA-256 of the canonical list of normalised facts. */
  readonly digest: string;
  readonly parts: FingerprintParts;
}

/** Raw request facts, as read from headers and the trusted client IP. */
export interface FingerprintInput {
  userAgent?: string | undefined;
  acceptLanguage?: string | undefined;
  secChUaPlatform?: string | undefined;
  secChUaMobile?: string | undefined;
  ip?: string | undefined;
}

export interface FingerprintOptions {
  ipGranularity: IpGranularity;
}

/** The digest given to a part whose fact is absent from the request. */
export const ABSENT_PART = '-';
export const FINGERPRINT_VERSION = 'v1';
const PART_DIGEST_LENGTH = 16;

/**
 * Normalises the facts and hashes them. Pure and deterministic: auth (at login) and the
 * gateway (each request) get the same digest for the same browser.
 */
export function computeFingerprint(
  input: FingerprintInput,
  options: FingerprintOptions,
): Fingerprint {
  const values: Record<FingerprintPart, string> = {
    userAgent: normaliseUserAgent(input.userAgent),
    language: normaliseAcceptLanguage(input.acceptLanguage),
    platform: normaliseClientHint(input.secChUaPlatform),
    mobile: normaliseMobileHint(input.secChUaMobile),
    ip: reduceIp(input.ip, options.ipGranularity),
  };
  const canonical = FINGERPRINT_PARTS.map((part) => `${part}=${values[part]}`).join('\n');
  const digest = `${FINGERPRINT_VERSION}:${sha256Hex(`${FINGERPRINT_VERSION}\n${canonical}`)}`;
  const parts = {} as Record<FingerprintPart, string>;
  for (const part of FINGERPRINT_PARTS) {
    const value = values[part];
    parts[part] =
      value === ''
        ? ABSENT_PART
        : sha256Hex(`${FINGERPRINT_VERSION}\n${part}=${value}`).slice(0, PART_DIGEST_LENGTH);
  }
  return { digest, parts };
}

/**
 * A device id for "new device" notices: the fingerprint without the IP, so a phone that
 * changes networks stays the same device.
 */
export function deviceIdOf(fingerprint: Fingerprint): string {
  const { userAgent, language, platform, mobile } = fingerprint.parts;
  return `${FINGERPRINT_VERSION}:${sha256Hex([userAgent, language, platform, mobile].join('\n'))}`;
}

function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}
