// A route's access policy as one pure function: session facts + policy + request → allow or deny.
// (DESIGN.md §2.) No fastify here: the hooks, /verify and explain gather inputs and map the result.
import type { AssuranceLevel } from '@authflow/sessions';
import { assuranceRule, emailVerifiedRule, hostRule, methodRule, roleRule } from './route-rules.js';

export type RouteAccess = 'public' | 'optional' | 'protected';
export type RoleMatch = 'anyOf' | 'allOf';

/** What a route asks of a request and its session (the routes file's fields, defaults filled in). */
export interface RoutePolicy {
  readonly access: RouteAccess;
  /** Lowest assurance level: `aal1` (any session) or `aal2` (a second factor presented). */
  readonly aal: AssuranceLevel;
  /** Roles the session needs: any one (`anyOf`) or every one (`allOf`). */
  readonly allow?: { readonly roles: readonly string[]; readonly match: RoleMatch } | undefined;
  /** The only methods that pass (upper-case). */
  readonly methods?: readonly string[] | undefined;
  /** The only hosts served (normalised patterns); the router already matched on them. */
  readonly hosts?: readonly string[] | undefined;
  /** The session's address must have been proven. */
  readonly emailVerified: boolean;
}

/**
 * The facts of a verified session a rule may look at. A SessionRecord is one; so is what an
 * admin tool knows of a user (explain). `emailVerified` absent reads as not verified (sessions
 * opened before issue 17 never proved it).
 */
export interface SessionFacts {
  readonly userId?: string;
  readonly roles: readonly string[];
  readonly aal: AssuranceLevel;
  readonly emailVerified?: boolean;
  readonly amr?: readonly string[];
  readonly mfaAt?: number | null;
}

/** The request as the policy sees it (for /verify: the request the proxy asks about). */
export interface PolicyRequest {
  /** Upper-case (HTTP methods are; a lower-case one is upper-cased before comparing). */
  readonly method: string;
  /** Normalised: lower-case, no port, no trailing dot (`normalizeRequestHost`). */
  readonly host: string;
  /** The path without its query. */
  readonly path: string;
}

export interface PolicyInput {
  /** `null`: no session (none presented, or none looked at on a public route). */
  readonly session: SessionFacts | null;
  readonly policy: RoutePolicy;
  readonly request: PolicyRequest;
}

/**
 * `forbidden`: this request may not pass whatever the user does. `unauthenticated`: a session is
 * needed. `mfa_required`: the session may pass once it has presented a second factor.
 */
export type PolicyDenialCode = 'forbidden' | 'unauthenticated' | 'mfa_required';

/** Rules by name, as logged, audited and explained. `session` is "a session is needed at all". */
export type PolicyRuleName = 'methods' | 'hosts' | 'session' | 'roles' | 'emailVerified' | 'aal';

export type PolicyDecision =
  | { readonly kind: 'allow' }
  | {
      readonly kind: 'deny';
      readonly code: PolicyDenialCode;
      readonly rule: PolicyRuleName;
      readonly reason: string;
    };

/** A rule's finding: it holds (and why), or what is short. */
export type RuleOutcome =
  | { readonly holds: true; readonly reason: string }
  | { readonly holds: false; readonly code: PolicyDenialCode; readonly reason: string };

/**
 * One rule of the policy. A `request` rule looks at the request only and applies with or without
 * a session (on every access mode); a `session` rule applies to a session when there is one.
 * `check` returns `undefined` when the route's policy says nothing the rule checks.
 */
export type PolicyRule =
  | {
      readonly name: PolicyRuleName;
      readonly subject: 'request';
      readonly check: (policy: RoutePolicy, request: PolicyRequest) => RuleOutcome | undefined;
    }
  | {
      readonly name: PolicyRuleName;
      readonly subject: 'session';
      readonly check: (
        policy: RoutePolicy,
        session: SessionFacts,
        request: PolicyRequest,
      ) => RuleOutcome | undefined;
    };

/** Every rule a route's policy is held to, in order. */
export const ROUTE_RULES: readonly PolicyRule[] = [
  methodRule,
  hostRule,
  roleRule,
  emailVerifiedRule,
  assuranceRule,
];

const ALLOW: PolicyDecision = Object.freeze({ kind: 'allow' });
const UNAUTHENTICATED: PolicyDecision = Object.freeze({
  kind: 'deny',
  code: 'unauthenticated',
  rule: 'session',
  reason: 'route is protected; no session was presented',
});

/**
 * Allows when every rule holds. Of several shortfalls the one nothing can fix wins, whatever the
 * order: `forbidden` (signing in or a second factor would not help), then `unauthenticated`, then
 * `mfa_required` (sending someone through a second factor only to refuse them helps nobody).
 * Without a session, request rules alone apply: a protected route then answers `unauthenticated`;
 * an optional or public one lets the request pass anonymously.
 */
export function decideAccess(
  input: PolicyInput,
  rules: readonly PolicyRule[] = ROUTE_RULES,
): PolicyDecision {
  const { policy, request, session } = input;
  let stepUp: PolicyDecision | undefined;
  for (const rule of rules) {
    const outcome = evaluate(rule, policy, request, session);
    if (outcome === undefined || outcome.holds) continue;
    const denial: PolicyDecision = {
      kind: 'deny',
      code: outcome.code,
      rule: rule.name,
      reason: outcome.reason,
    };
    if (outcome.code === 'forbidden') return denial;
    stepUp ??= denial;
  }
  // Without a session no session rule ran, so nothing short of forbidden can outrank this.
  if (session === null && policy.access === 'protected') return UNAUTHENTICATED;
  return stepUp ?? ALLOW;
}

/** One rule's outcome; `undefined` when it does not apply (nothing to check, or no session). */
export function evaluate(
  rule: PolicyRule,
  policy: RoutePolicy,
  request: PolicyRequest,
  session: SessionFacts | null,
): RuleOutcome | undefined {
  if (rule.subject === 'request') return rule.check(policy, request);
  return session === null ? undefined : rule.check(policy, session, request);
}

/** Whether a route asks nothing beyond its access mode (most routes: no rule to run at all). */
export function isUnrestricted(policy: RoutePolicy): boolean {
  return (
    !hasRequestRules(policy) &&
    policy.allow === undefined &&
    !policy.emailVerified &&
    policy.aal === 'aal1'
  );
}

/** Whether a route's policy has request rules (a public route without them needs no hook). */
export function hasRequestRules(policy: RoutePolicy): boolean {
  return policy.methods !== undefined || policy.hosts !== undefined;
}

/** The policy of a route of the routes file (defaults filled in); none matched: protected, no rules. */
export function policyOf(
  route: {
    readonly access?: RouteAccess;
    readonly aal?: AssuranceLevel | undefined;
    readonly allow?: RoutePolicy['allow'];
    readonly methods?: readonly string[] | undefined;
    readonly hosts?: readonly string[] | undefined;
    readonly emailVerified?: boolean | undefined;
  } = {},
): RoutePolicy {
  return {
    access: route.access ?? 'protected',
    aal: route.aal ?? 'aal1',
    allow: route.allow,
    methods: route.methods,
    hosts: route.hosts,
    emailVerified: route.emailVerified === true,
  };
}
