// Each rule's outcome as explain shows it: pass or fail with the rule's own reason, or why it had
// nothing to check (the route asks nothing of it, or there is no session to look at).
import type { ProxyRoute } from '../config/routes-file.js';
import {
  evaluate,
  type PolicyDenialCode,
  type PolicyRequest,
  type PolicyRuleName,
  policyOf,
  ROUTE_RULES,
  type RouteAccess,
  type RoutePolicy,
  type SessionFacts,
} from '../verification/route-policy.js';

/** One rule of the policy, as it went for this request. */
export interface RuleCheck {
  readonly rule: PolicyRuleName;
  /** `not_applicable`: the route asks nothing of it, or there is no session to look at. */
  readonly outcome: 'pass' | 'fail' | 'not_applicable';
  readonly reason: string;
  /** For `fail`: the denial it would cause. */
  readonly code?: PolicyDenialCode;
}

/** Why a rule had nothing to check on this route. */
const NOTHING_TO_CHECK: Readonly<Record<PolicyRuleName, string>> = {
  methods: 'route allows every method',
  hosts: 'route serves every host',
  session: 'a session is needed on protected routes only',
  roles: 'route requires no role',
  emailVerified: 'route does not require a verified email address',
  aal: 'route requires aal1 (any session)',
};

/** Every rule's outcome for the request, in the order the gateway applies them. */
export function checksOf(
  route: ProxyRoute,
  policy: RoutePolicy,
  asked: PolicyRequest,
  looked: SessionFacts | null,
): RuleCheck[] {
  const ruleChecks = ROUTE_RULES.map((rule): RuleCheck => {
    const outcome = evaluate(rule, policy, asked, looked);
    if (outcome === undefined)
      return {
        rule: rule.name,
        outcome: 'not_applicable',
        reason: notApplicable(rule, route, looked),
      };
    return outcome.holds
      ? { rule: rule.name, outcome: 'pass', reason: outcome.reason }
      : { rule: rule.name, outcome: 'fail', reason: outcome.reason, code: outcome.code };
  });
  // "A session at all" sits where the gateway checks it: after the request's own rules.
  const firstSessionRule = ROUTE_RULES.findIndex((rule) => rule.subject === 'session');
  const at = firstSessionRule === -1 ? ruleChecks.length : firstSessionRule;
  return [...ruleChecks.slice(0, at), sessionCheck(route.access, looked), ...ruleChecks.slice(at)];
}

function sessionCheck(access: RouteAccess, session: SessionFacts | null): RuleCheck {
  if (access !== 'protected')
    return {
      rule: 'session',
      outcome: 'not_applicable',
      reason: `a${access === 'public' ? ' public' : 'n optional'} route lets requests without a session pass`,
    };
  return session === null
    ? {
        rule: 'session',
        outcome: 'fail',
        reason: 'route is protected; no session was presented',
        code: 'unauthenticated',
      }
    : { rule: 'session', outcome: 'pass', reason: 'a verified session was presented' };
}

function notApplicable(
  rule: (typeof ROUTE_RULES)[number],
  route: ProxyRoute,
  session: SessionFacts | null,
): string {
  if (rule.subject === 'request' || !hasSessionRule(rule.name, policyOf(route)))
    return NOTHING_TO_CHECK[rule.name];
  return route.access === 'public'
    ? 'a public route never looks at the session'
    : session === null
      ? 'no session to check'
      : NOTHING_TO_CHECK[rule.name];
}

function hasSessionRule(name: PolicyRuleName, policy: RoutePolicy): boolean {
  if (name === 'roles') return policy.allow !== undefined;
  if (name === 'emailVerified') return policy.emailVerified;
  if (name === 'aal') return policy.aal !== 'aal1';
  return false;
}
