// A route's access policy as one pure function: session facts + policy + request → allow or deny.
// (DESIGN.md §2.) No fastify here: the hooks and /verify gather inputs, map the decision to HTTP.
import type { AssuranceLevel, SessionRecord } from '@authflow/sessions';

/** What a route asks of a verified session beyond being one. */
export interface RoutePolicy {
  /** Lowest assurance level: `aal1` (any session) or `aal2` (a second factor presented). */
  readonly aal: AssuranceLevel;
  // Issue 17 adds `allow` (roles any/all), `methods` and `hosts` here, each with its rule below.
}

/** The facts of the verified session a rule may look at. */
export type SessionFacts = Pick<SessionRecord, 'aal' | 'amr' | 'mfaAt' | 'roles' | 'userId'>;

/** The request as the policy sees it (for /verify: the request the proxy asks about). */
export interface PolicyRequest {
  readonly method: string;
  readonly host: string;
  /** The path without its query. */
  readonly path: string;
}

export interface PolicyInput {
  readonly session: SessionFacts;
  readonly policy: RoutePolicy;
  readonly request: PolicyRequest;
}

/**
 * `forbidden`: this session may not pass whatever it does. `mfa_required`: it may, once it has
 * presented a second factor (the only shortfall the user can fix on the spot).
 */
export type PolicyDenialCode = 'forbidden' | 'mfa_required';

export type PolicyDecision =
  | { readonly kind: 'allow' }
  | { readonly kind: 'deny'; readonly code: PolicyDenialCode; readonly reason: string };

/** One rule of the policy: `undefined` when it holds, else what is short and why. */
export type PolicyRule = (
  input: PolicyInput,
) => { readonly code: PolicyDenialCode; readonly reason: string } | undefined;

const AAL_RANK: Readonly<Record<AssuranceLevel, number>> = { aal1: 1, aal2: 2 };

/** The session's assurance level must reach the route's. */
export const assuranceRule: PolicyRule = ({ session, policy }) =>
  AAL_RANK[session.aal] >= AAL_RANK[policy.aal]
    ? undefined
    : { code: 'mfa_required', reason: `route requires ${policy.aal}; session is ${session.aal}` };

/** Every rule a route's policy is held to, in order. */
export const ROUTE_RULES: readonly PolicyRule[] = [assuranceRule];

const ALLOW: PolicyDecision = Object.freeze({ kind: 'allow' });

/**
 * Allows when every rule holds. A `forbidden` shortfall wins over `mfa_required` whatever the
 * order: sending someone through a second factor only to refuse them afterwards helps nobody.
 */
export function decideAccess(
  input: PolicyInput,
  rules: readonly PolicyRule[] = ROUTE_RULES,
): PolicyDecision {
  let stepUp: PolicyDecision | undefined;
  for (const rule of rules) {
    const shortfall = rule(input);
    if (shortfall === undefined) continue;
    if (shortfall.code === 'forbidden') return { kind: 'deny', ...shortfall };
    stepUp ??= { kind: 'deny', ...shortfall };
  }
  return stepUp ?? ALLOW;
}

/** The policy a route of the routes file declares (defaults filled in). */
export function policyOf(route: { readonly aal?: AssuranceLevel | undefined }): RoutePolicy {
  return { aal: route.aal ?? 'aal1' };
}
