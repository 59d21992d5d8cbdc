// The session inventory page: the caller's sessions, and forms to end one or all the others.
import { loginRedirect } from '@authflow/handoff';
import type { SessionRecord } from '@authflow/sessions';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { clientFactsOf } from '../api/client-facts.js';
import { AUTH_PATHS, renderSessionsPage, type SessionView } from '../pages/index.js';
import { pageContext, sendPage } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

const SESSIONS_PATH = '/auth/sessions';
const revokeForm = z.object({ session_id: z.string().regex(/^[A-Za-z0-9_-]{43}$/u) });
const NOTICES: ReadonlyMap<unknown, string> = new Map([
  ['revoked', 'The session was signed out.'],
  ['others', 'Every other session was signed out.'],
]);

export function sessionsRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  const { flows, branding } = options;

  app.get(SESSIONS_PATH, async (request, reply) => {
    // No caller, or one whose session no longer holds: sign in and come back here.
    const caller = await flows.callers.resolve(request).catch(() => null);
    if (caller === null)
      return reply.redirect(loginRedirect(SESSIONS_PATH, options.handoffSecret), 302);
    const [user, sessions, trustedDevices] = await Promise.all([
      flows.currentUser(caller),
      flows.listSessions(caller),
      flows.mfa?.listTrustedDevices(caller),
    ]);
    return sendPage(
      reply,
      renderSessionsPage(pageContext(reply, branding), {
        email: user.email,
        notice: NOTICES.get((request.query as { notice?: unknown }).notice),
        sessions: sessions.map((session) => sessionView(session, caller.session.id)),
        trustedDevices,
      }),
    );
  });

  app.post(AUTH_PATHS.revokeSession, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const form = revokeForm.safeParse(request.body);
    // Ending a session that is already gone (or not the caller's) changes nothing to report.
    if (form.success)
      await flows
        .revokeSession(caller, form.data.session_id, clientFactsOf(request))
        .catch(() => undefined);
    return reply.redirect(`${SESSIONS_PATH}?notice=revoked`, 303);
  });

  app.post(AUTH_PATHS.revokeOtherSessions, options.formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    await flows.revokeOthers(caller, clientFactsOf(request));
    return reply.redirect(`${SESSIONS_PATH}?notice=others`, 303);
  });
  done();
}

function sessionView(session: SessionRecord, currentId: string): SessionView {
  return {
    id: session.id,
    deviceLabel: session.deviceLabel,
    ip: session.ip,
    createdAt: new Date(session.createdAt),
    lastSeenAt: new Date(session.lastSeenAt),
    current: session.id === currentId,
  };
}
