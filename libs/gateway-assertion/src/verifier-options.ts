// The verifier's options, checked once at construction so a misconfigured backend fails at boot.
import type { JSONWebKeySet, JWK } from 'jose';

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/** An assertion lives 60 s; a larger tolerance would make its expiry meaningless. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 60;
export const DEFAULT_JWKS_COOLDOWN_MS = 2_000;
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000;
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;

interface CommonOptions {
  /** This backend's upstream name in the gateway's routes; the assertion's `aud` must equal it. */
  readonly audience: string;
  /** The gateway's URL exactly as it signs it in `iss`. */
  readonly issuer: string;
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds (default 5, at most 60). */
  readonly clockToleranceSeconds?: number;
}

/** Keys fetched from the gateway's JWKS URL, cached, and refetched on an unknown `kid`. */
export interface RemoteKeysOptions extends CommonOptions {
  readonly jwksUrl: string;
  /** Minimum time between two fetches caused by unknown `kid`s (the refetch rate limit). */
  readonly jwksCooldownMs?: number;
  /** Age after which the cached key set is fetched again before use. */
  readonly jwksCacheMaxAgeMs?: number;
  /** Abort a JWKS fetch after this long; the request then fails with `keys_unavailable`. */
  readonly jwksTimeoutMs?: number;
  readonly keys?: never;
}

/** Public keys given up front (for example from configuration); nothing is fetched. */
export interface StaticKeysOptions extends CommonOptions {
  readonly keys: JSONWebKeySet | readonly JWK[];
  readonly jwksUrl?: never;
  readonly jwksCooldownMs?: never;
  readonly jwksCacheMaxAgeMs?: never;
  readonly jwksTimeoutMs?: never;
}

export type AssertionVerifierOptions = RemoteKeysOptions | StaticKeysOptions;

export type KeySourceConfig =
  | {
      readonly kind: 'remote';
      readonly url: URL;
      readonly cooldownMs: number;
      readonly cacheMaxAgeMs: number;
      readonly timeoutMs: number;
    }
  | { readonly kind: 'static'; readonly jwks: JSONWebKeySet };

export interface VerifierConfig {
  readonly audience: string;
  readonly issuer: string;
  readonly clockToleranceSeconds: number;
  readonly keySource: KeySourceConfig;
}

/** Checks every option and reports all problems in one error. */
export function parseVerifierOptions(options: AssertionVerifierOptions): VerifierConfig {
  // Read through `unknown`: JavaScript callers and config files bypass the static types.
  const raw: Readonly<Record<string, unknown>> = isRecord(options) ? options : {};
  const problems: string[] = [];
  const audience = readNonEmptyString(raw, 'audience', problems);
  const issuer = readNonEmptyString(raw, 'issuer', problems);
  const clockToleranceSeconds = readNumber(raw, 'clockToleranceSeconds', problems, {
    fallback: DEFAULT_CLOCK_TOLERANCE_SECONDS,
    max: MAX_CLOCK_TOLERANCE_SECONDS,
  });
  const keySource = readKeySource(raw, problems);
  if (problems.length > 0 || keySource === undefined) {
    throw new TypeError(`Invalid gateway assertion verifier options: ${problems.join('; ')}`);
  }
  return Object.freeze({ audience, issuer, clockToleranceSeconds, keySource });
}

function readKeySource(
  raw: Readonly<Record<string, unknown>>,
  problems: string[],
): KeySourceConfig | undefined {
  const hasUrl = raw['jwksUrl'] !== undefined;
  const hasKeys = raw['keys'] !== undefined;
  if (hasUrl === hasKeys) {
    problems.push(
      hasUrl ? 'give either jwksUrl or keys, not both' : 'give jwksUrl or keys (none given)',
    );
    return undefined;
  }
  if (hasKeys) {
    const jwks = readStaticKeys(raw['keys'], problems);
    return jwks === undefined ? undefined : { kind: 'static', jwks };
  }
  const url = readJwksUrl(raw['jwksUrl'], problems);
  const cooldownMs = readNumber(raw, 'jwksCooldownMs', problems, {
    fallback: DEFAULT_JWKS_COOLDOWN_MS,
  });
  const cacheMaxAgeMs = readNumber(raw, 'jwksCacheMaxAgeMs', problems, {
    fallback: DEFAULT_JWKS_CACHE_MAX_AGE_MS,
    allowInfinity: true,
  });
  const timeoutMs = readNumber(raw, 'jwksTimeoutMs', problems, {
    fallback: DEFAULT_JWKS_TIMEOUT_MS,
    integer: true,
    min: 1,
  });
  return url === undefined
    ? undefined
    : { kind: 'remote', url, cooldownMs, cacheMaxAgeMs, timeoutMs };
}

function readJwksUrl(value: unknown, problems: string[]): URL | undefined {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.push('jwksUrl must be an http(s) URL');
    return undefined;
  }
  return url;
}

/** Accepts a JWKS or a bare array; refuses anything that is not a public key with a `kid`. */
function readStaticKeys(value: unknown, problems: string[]): JSONWebKeySet | undefined {
  const list: unknown = Array.isArray(value) ? value : isRecord(value) ? value['keys'] : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push('keys must be a non-empty JWK array or a JWKS ({ keys: [...] })');
    return undefined;
  }
  const seen = new Set<string>();
  const keys: JWK[] = [];
  list.forEach((entry: unknown, index) => {
    const where = `keys[${index}]`;
    if (!isRecord(entry) || typeof entry['kty'] !== 'string') {
      problems.push(`${where} is not a JWK`);
    } else if (entry['d'] !== undefined || entry['priv'] !== undefined || entry['kty'] === 'oct') {
      // A private or shared-secret key here would mean the backend could forge assertions.
      problems.push(`${where} must be a public key (no "d" or "priv", not "oct")`);
    } else if (typeof entry['kid'] !== 'string' || entry['kid'] === '') {
      problems.push(`${where} needs a "kid": assertions are matched to keys by kid`);
    } else if (seen.has(entry['kid'])) {
      problems.push(`${where} repeats kid "${entry['kid']}"`);
    } else {
      seen.add(entry['kid']);
      // Members are jose's to check: it refuses a set it cannot read, or a key it cannot import.
      keys.push({ ...entry });
    }
  });
  return { keys };
}

interface NumberRule {
  readonly fallback: number;
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly allowInfinity?: boolean;
}

function readNumber(
  raw: Readonly<Record<string, unknown>>,
  name: string,
  problems: string[],
  rule: NumberRule,
): number {
  const value = raw[name];
  if (value === undefined) return rule.fallback;
  const min = rule.min ?? 0;
  const max = rule.max ?? Infinity;
  const isAllowed =
    typeof value === 'number' &&
    (Number.isFinite(value) || (rule.allowInfinity === true && value === Infinity)) &&
    (rule.integer !== true || Number.isInteger(value)) &&
    value >= min &&
    value <= max;
  if (isAllowed) return value;
  const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
  problems.push(`${name} must be ${rule.integer === true ? 'an integer' : 'a number'} ${range}`);
  return rule.fallback;
}

function readNonEmptyString(
  raw: Readonly<Record<string, unknown>>,
  name: string,
  problems: string[],
): string {
  const value = raw[name];
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.push(`${name} must be a non-empty string`);
  return '';
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
