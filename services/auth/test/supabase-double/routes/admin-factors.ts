// GET /admin/users/{id}/factors (bare array) and DELETE /admin/users/{id}/factors/{factor_id}.
import type { RouteHandler } from '../double-request.js';
import { loadFactor, removeFactor } from '../factors.js';
import { jsonReply } from '../reply.js';
import { toWireFactor } from '../user-view.js';
import { loadAdminTarget } from './admin-users.js';

export const handleAdminListFactors: RouteHandler = async (request, core) => {
  const user = await loadAdminTarget(request, core);
  return jsonReply(200, user.factors.map(toWireFactor));
};

/** No AAL rule for the admin; answers the deleted Factor (not `{id}` as unenrol does). */
export const handleAdminDeleteFactor: RouteHandler = async (request, core) => {
  const user = await loadAdminTarget(request, core);
  const factor = loadFactor(user, request.params.factorId);
  removeFactor(user, factor.id);
  core.sessions.downgradeFactorSessions(factor.id, 'totp');
  return jsonReply(200, toWireFactor(factor));
};
