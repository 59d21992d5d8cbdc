// GET and DELETE /admin/users/{id} (service key only); DELETE answers `{}`, as GoTrue has since 2023.
// The list and PUT live in admin-user-list.ts and admin-user-update.ts.
import { z } from 'zod';
import { authenticateAdmin } from '../authenticate.js';
import type { DoubleCore } from '../double-core.js';
import type { DoubleRequest, RouteHandler } from '../double-request.js';
import { GoTrueError, goTrueErrors } from '../gotrue-errors.js';
import { jsonReply } from '../reply.js';
import { parseJsonBody } from '../request-body.js';
import type { UserRecord } from '../user-store.js';
import { isUuid } from '../uuid.js';
import { toWireUser } from '../user-view.js';

const deleteUserBody = z.object({ should_soft_delete: z.boolean().nullish() });

/** Admin check first, then GoTrue's user loader: non-UUID id and unknown id are both 404. */
export async function loadAdminTarget(
  request: DoubleRequest,
  core: DoubleCore,
): Promise<UserRecord> {
  await authenticateAdmin(core, request);
  const id = request.params.id ?? '';
  if (!isUuid(id)) {
    throw new GoTrueError(404, 'validation_failed', 'user_id must be an UUID');
  }
  const user = core.users.findById(id.toLowerCase());
  if (user === null) throw goTrueErrors.adminUserMissing();
  return user;
}

export const handleAdminGetUser: RouteHandler = async (request, core) => {
  const user = await loadAdminTarget(request, core);
  return jsonReply(200, toWireUser(user));
};

export const handleAdminDeleteUser: RouteHandler = async (request, core) => {
  const user = await loadAdminTarget(request, core);
  const body = parseJsonBody(request.rawBody, deleteUserBody, { allowEmpty: true });
  core.sessions.removeForUser(user.id);
  core.tokens.removeForUser(user.id);
  if (body.should_soft_delete === true) core.users.softRemove(user.id, core.clock.now());
  else core.users.remove(user.id);
  return jsonReply(200, {});
};
