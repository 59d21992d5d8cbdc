// POST /logout?scope=global|local|others: deletes sessions (and so their refresh tokens); 204.
import { authenticateUser } from '../authenticate.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { emptyReply } from '../reply.js';
import type { RouteHandler } from '../double-request.js';

const SCOPES: ReadonlySet<string> = new Set(['global', 'local', 'others']);

export const handleLogout: RouteHandler = async (request, core) => {
  const { user, session } = await authenticateUser(core, request);
  const scope = request.query.get('scope') ?? 'global';
  if (!SCOPES.has(scope)) {
    throw goTrueErrors.validationFailed(`Unsupported logout scope ${JSON.stringify(scope)}`);
  }
  // A JWT without session_id always logs out globally.
  if (session === null || scope === 'global') core.sessions.removeForUser(user.id);
  else if (scope === 'local') core.sessions.remove(session.id);
  else core.sessions.removeForUser(user.id, session.id);
  return emptyReply(204);
};
