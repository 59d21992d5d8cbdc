// The rules of a route policy, one per field of the routes file: each says whether it holds for
// a request (and its session) and why. decideAccess (route-policy.ts) combines them.
import type { AssuranceLevel } from '@authflow/sessions';
import { hostsCover } from '../config/hosts.js';
import type { PolicyDenialCode, PolicyRule, RuleOutcome } from './route-policy.js';

const holds = (reason: string): RuleOutcome => ({ holds: true, reason });
const short = (code: PolicyDenialCode, reason: string): RuleOutcome => ({
  holds: false,
  code,
  reason,
});
const listed = (values: readonly string[]): string => values.join(', ');

/** Only the listed methods pass; refusing the others is policy, so 403 rather than 405. */
export const methodRule: PolicyRule = {
  name: 'methods',
  subject: 'request',
  check: ({ methods }, { method }) => {
    if (methods === undefined) return undefined;
    const upper = method.toUpperCase();
    return methods.includes(upper)
      ? holds(`method ${upper} is allowed (${listed(methods)})`)
      : short('forbidden', `method ${upper} is not allowed here (allowed: ${listed(methods)})`);
  },
};

/** The route's hosts (the router matched on them already: this holds the same line for /verify). */
export const hostRule: PolicyRule = {
  name: 'hosts',
  subject: 'request',
  check: ({ hosts }, { host }) => {
    if (hosts === undefined) return undefined;
    return hostsCover(hosts, host)
      ? holds(`host ${host} is served here (${listed(hosts)})`)
      : short(
          'forbidden',
          `host ${host === '' ? '(none)' : host} is not served here (${listed(hosts)})`,
        );
  },
};

export const roleRule: PolicyRule = {
  name: 'roles',
  subject: 'session',
  check: ({ allow }, { roles }) => {
    if (allow === undefined) return undefined;
    const has = allow.roles.filter((role) => roles.includes(role));
    const sessionRoles = roles.length === 0 ? 'no role' : listed(roles);
    if (allow.match === 'allOf') {
      const lacking = allow.roles.filter((role) => !roles.includes(role));
      return lacking.length === 0
        ? holds(`session has every role required (${listed(allow.roles)})`)
        : short(
            'forbidden',
            `route requires all of the roles ${listed(allow.roles)}; session lacks ${listed(lacking)}`,
          );
    }
    return has.length > 0
      ? holds(`session has role ${listed(has)} (one of ${listed(allow.roles)} required)`)
      : short(
          'forbidden',
          `route requires one of the roles ${listed(allow.roles)}; session has ${sessionRoles}`,
        );
  },
};

export const emailVerifiedRule: PolicyRule = {
  name: 'emailVerified',
  subject: 'session',
  check: ({ emailVerified }, session) => {
    if (!emailVerified) return undefined;
    return session.emailVerified === true
      ? holds('the email address of the session is verified')
      : short(
          'forbidden',
          'route requires a verified email address; the address of the session is not verified',
        );
  },
};

const AAL_RANK: Readonly<Record<AssuranceLevel, number>> = { aal1: 1, aal2: 2 };

/** The session's assurance level must reach the route's. */
export const assuranceRule: PolicyRule = {
  name: 'aal',
  subject: 'session',
  check: ({ aal }, session) => {
    if (aal === 'aal1') return undefined;
    return AAL_RANK[session.aal] >= AAL_RANK[aal]
      ? holds(`session is ${session.aal} (route requires ${aal})`)
      : short('mfa_required', `route requires ${aal}; session is ${session.aal}`);
  },
};
