// What the admin API (and the CLI's --json) shows of users, sessions and audit events: snake_case
// like the rest of the API, times as ISO 8601, never a secret (no fingerprint, token or hash).
import type { SessionRecord } from '@authflow/sessions';
import type { AdminUser, AuditEvent, UserPage } from './admin-ports.js';
import type { Explained } from './admin-service.js';
import type { AccessExplanation } from './policy-explainer.js';

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

export function userView(user: AdminUser) {
  return {
    id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    roles: [...user.roles],
    disabled: user.disabled,
    created_at: iso(user.createdAt),
  };
}

export function userPageView(page: UserPage) {
  return { users: page.users.map(userView), next_cursor: page.nextCursor };
}

export function sessionView(session: SessionRecord) {
  return {
    id: session.id,
    device_label: session.deviceLabel,
    user_agent: session.userAgent,
    ip: session.ip,
    created_at: iso(session.createdAt),
    last_seen_at: iso(session.lastSeenAt),
    expires_at: iso(session.absoluteExpiresAt),
    aal: session.aal,
    amr: [...session.amr],
    roles: [...session.roles],
  };
}

export function auditEventView(event: AuditEvent) {
  return {
    id: event.id,
    at: iso(event.at),
    type: event.type,
    user_id: event.userId,
    actor: event.actor,
    session_id: event.sessionId,
    ip: event.ip,
    request_id: event.requestId,
    source: event.source,
    details: event.details,
  };
}

export function auditPageView(page: { events: readonly AuditEvent[]; nextCursor: string | null }) {
  return { events: page.events.map(auditEventView), next_cursor: page.nextCursor };
}

/** A policy explanation: the request as the gateway sees it, the session assumed, and why. */
export function explanationView(explained: Explained) {
  const { explanation, user } = explained;
  return {
    request: explanation.request,
    user: userView(user),
    session: {
      roles: [...user.roles],
      email_verified: user.emailVerified,
      aal: explained.aal,
      aal_assumed: explained.aalAssumed,
    },
    route: explanation.route === null ? null : routeView(explanation.route),
    checks: explanation.checks.map((check) => ({
      rule: check.rule,
      outcome: check.outcome,
      reason: check.reason,
      code: check.code ?? null,
    })),
    decision: explanation.decision,
    decided_by: explanation.decidedBy,
    status: explanation.status,
    reason: explanation.reason,
  };
}

function routeView(route: NonNullable<AccessExplanation['route']>) {
  if (route.kind === 'redirect') return route;
  const { policy } = route;
  return {
    kind: route.kind,
    index: route.index,
    prefix: route.prefix,
    hosts: route.hosts,
    access: route.access,
    mode: route.mode,
    upstream: route.upstream,
    policy: {
      access: policy.access,
      aal: policy.aal,
      allow:
        policy.allow === undefined
          ? null
          : { roles: [...policy.allow.roles], match: policy.allow.match },
      methods: policy.methods ?? null,
      hosts: policy.hosts ?? null,
      email_verified: policy.emailVerified,
    },
  };
}
