// The admin JSON API under /api/v1/admin (issue 17). The gateway already requires role `admin`
// (and aal2) on this prefix; auth checks the role again from the asserted session, so a route
// file mistake does not open it to everyone.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInput } from '../api/validation.js';
import { authErrors } from '../errors/auth-errors.js';
import { jsonStateChange } from '../security/request-origin.js';
import type { CallerResolver } from '../sessions/caller.js';
import {
  auditQuery,
  explainQuery,
  listUsersQuery,
  setRolesBody,
  userParams,
  userSessionParams,
} from './admin-inputs.js';
import {
  type AdminActor,
  type AdminService,
  PolicyExplainUnavailableError,
} from './admin-service.js';
import {
  auditPageView,
  explanationView,
  sessionView,
  userPageView,
  userView,
} from './admin-views.js';

export interface AdminRoutesOptions {
  readonly service: AdminService;
  readonly callers: CallerResolver;
  readonly allowedOrigins: readonly string[];
  /** The session cookie's name (state changes carrying it must prove their origin). */
  readonly cookieName: string;
}

export const ADMIN_API = '/api/v1/admin';
/** The role the admin API asks of its callers (the gateway's policy asks the same). */
export const ADMIN_ROLE = 'admin';

const notFound = (what: string) => authErrors.create('not_found', { message: `No such ${what}.` });

export function adminRoutes(
  app: FastifyInstance,
  options: AdminRoutesOptions,
  done: () => void,
): void {
  const { service, callers } = options;
  const changesState = jsonStateChange(options.allowedOrigins, options.cookieName);
  const actors = new WeakMap<FastifyRequest, AdminActor>();
  const actorOf = (request: FastifyRequest): AdminActor => {
    const actor = actors.get(request);
    // The hook below runs before every handler of this plugin: no actor means a wiring bug.
    if (actor === undefined) throw new Error('admin route reached without the admin check');
    return actor;
  };

  // Every route of this plugin (and only these: the hook is encapsulated here): a caller the
  // gateway asserted (401 otherwise) whose session holds the admin role (403 otherwise), checked
  // before any input is read, so nobody else learns what the API would accept.
  app.addHook('preHandler', async (request) => {
    const caller = await callers.require(request);
    if (!caller.session.roles.includes(ADMIN_ROLE)) throw authErrors.create('forbidden');
    actors.set(request, {
      id: caller.session.userId,
      email: caller.session.email,
      ip: request.ip,
      requestId: request.id,
      source: 'auth',
    });
  });

  const userOr404 = async (id: string) => {
    const user = await service.getUser(id);
    if (user === null) throw notFound('user');
    return user;
  };

  app.get(`${ADMIN_API}/users`, async (request) => {
    const query = parseInput(listUsersQuery, request.query);
    return userPageView(await service.listUsers(query));
  });

  app.get(`${ADMIN_API}/users/:id`, async (request) => {
    const { id } = parseInput(userParams, request.params);
    return { user: userView(await userOr404(id)) };
  });

  app.post(`${ADMIN_API}/users/:id/disable`, changesState, async (request) => {
    const { id } = parseInput(userParams, request.params);
    const changed = await service.disable(actorOf(request), id);
    if (changed === null) throw notFound('user');
    return { user: userView(changed.user), revoked_sessions: changed.sessions };
  });

  app.post(`${ADMIN_API}/users/:id/enable`, changesState, async (request) => {
    const { id } = parseInput(userParams, request.params);
    const user = await service.enable(actorOf(request), id);
    if (user === null) throw notFound('user');
    return { user: userView(user) };
  });

  app.put(`${ADMIN_API}/users/:id/roles`, changesState, async (request) => {
    const { id } = parseInput(userParams, request.params);
    const { roles } = parseInput(setRolesBody, request.body);
    const changed = await service.setRoles(actorOf(request), id, roles);
    if (changed === null) throw notFound('user');
    return { user: userView(changed.user), updated_sessions: changed.sessions };
  });

  app.delete(`${ADMIN_API}/users/:id`, changesState, async (request) => {
    const { id } = parseInput(userParams, request.params);
    const deleted = await service.deleteUser(actorOf(request), id);
    if (deleted === null) throw notFound('user');
    return { deleted: true, user: userView(deleted.user), revoked_sessions: deleted.sessions };
  });

  app.get(`${ADMIN_API}/users/:id/sessions`, async (request) => {
    const { id } = parseInput(userParams, request.params);
    const sessions = await service.listSessions(id);
    if (sessions === null) throw notFound('user');
    return { sessions: sessions.map(sessionView) };
  });

  app.delete(`${ADMIN_API}/users/:id/sessions/:sessionId`, changesState, async (request, reply) => {
    const { id, sessionId } = parseInput(userSessionParams, request.params);
    if (!(await service.revokeSession(actorOf(request), id, sessionId))) throw notFound('session');
    return reply.code(204).send();
  });

  app.delete(`${ADMIN_API}/users/:id/sessions`, changesState, async (request) => {
    const { id } = parseInput(userParams, request.params);
    const revoked = await service.revokeAllSessions(actorOf(request), id);
    if (revoked === null) throw notFound('user');
    return { revoked: revoked.length };
  });

  app.get(`${ADMIN_API}/audit`, async (request) => {
    const { user, ...query } = parseInput(auditQuery, request.query);
    let userId = user;
    // An address is looked up; events of a deleted account are still found by its id.
    if (user?.includes('@') === true) userId = (await findByEmailOr404(service, user)).id;
    return auditPageView(await service.queryAudit({ ...query, userId }));
  });

  app.get(`${ADMIN_API}/policy/explain`, async (request) => {
    const query = parseInput(explainQuery, request.query);
    const explained = await service
      .explain({ method: query.method, host: query.host, path: query.path }, query.user, query.aal)
      .catch((error: unknown) => {
        if (error instanceof PolicyExplainUnavailableError)
          throw authErrors.create('not_found', {
            message:
              "Policy explain needs the gateway's routes file, and auth was started without it.",
          });
        throw error;
      });
    if (explained === null) throw notFound('user');
    return explanationView(explained);
  });
  done();
}

async function findByEmailOr404(service: AdminService, email: string) {
  const user = await service.findUserByEmail(email);
  if (user === null) throw notFound('user');
  return user;
}
