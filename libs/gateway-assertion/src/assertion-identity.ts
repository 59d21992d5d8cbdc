// The identity a verified assertion carries, read from its claims with exact type checks.
import { AssertionError } from './assertion-error.js';

/** Who the gateway says made the request. Times are epoch seconds. */
export interface AssertionIdentity {
  /** `sub`: the user id. */
  readonly userId: string;
  /** `email`: the exact address (the `x-authflow-email` header is percent-encoded ASCII). */
  readonly email: string;
  readonly roles: readonly string[];
  /** `sid`: the gateway's session id (a digest, never the session token). */
  readonly sessionId: string;
  /** `amr`: how the user authenticated, for example `["pwd"]`. */
  readonly amr: readonly string[];
  /**
   * `aal`: `aal2` when the session presented a second factor, else `aal1` (an assertion from a
   * gateway that predates the claim counts as `aal1`, never as more).
   */
  readonly aal: 'aal1' | 'aal2';
  /**
   * `provider`: who vouched for the user: `builtin`, `supabase`, or the id of the outside
   * identity provider signed in with (`google`, `corp-sso`). Empty from a gateway that predates it.
   */
  readonly provider: string;
  readonly issuer: string;
  readonly audience: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface ClaimCheckContext {
  readonly nowSeconds: number;
  readonly clockToleranceSeconds: number;
}

/**
 * Reads the identity from claims whose signature, `iss`, `aud` and `exp` jose has already
 * checked. Throws `invalid_claims` naming every claim that is missing or of the wrong type
 * (names only: claim values may be personal data and do not belong in logs).
 */
export function identityFromClaims(
  claims: Readonly<Record<string, unknown>>,
  context: ClaimCheckContext,
): AssertionIdentity {
  const problems: string[] = [];
  const text = (name: string, nonEmpty: boolean): string => {
    const value = claims[name];
    if (typeof value === 'string' && (!nonEmpty || value !== '')) return value;
    problems.push(`"${name}" must be a ${nonEmpty ? 'non-empty ' : ''}string`);
    return '';
  };
  const list = (name: string): readonly string[] => {
    const value = claims[name];
    if (isStringArray(value)) return Object.freeze([...value]);
    problems.push(`"${name}" must be an array of strings`);
    return [];
  };
  const time = (name: string): number => {
    const value = claims[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    problems.push(`"${name}" must be a number`);
    return 0;
  };

  const identity: AssertionIdentity = {
    userId: text('sub', true),
    email: text('email', false),
    roles: list('roles'),
    sessionId: text('sid', true),
    amr: list('amr'),
    aal: claims.aal === 'aal2' ? 'aal2' : 'aal1',
    provider: typeof claims.provider === 'string' ? claims.provider : '',
    issuer: text('iss', true),
    // The gateway signs one audience per upstream; a list would let one token open several.
    audience: text('aud', true),
    issuedAt: time('iat'),
    expiresAt: time('exp'),
  };
  if (identity.issuedAt > context.nowSeconds + context.clockToleranceSeconds) {
    problems.push('"iat" is in the future');
  }
  if (identity.expiresAt <= identity.issuedAt && problems.length === 0) {
    problems.push('"exp" must be after "iat"');
  }
  if (problems.length > 0) {
    throw new AssertionError('invalid_claims', `invalid assertion claims: ${problems.join('; ')}`);
  }
  return Object.freeze(identity);
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
