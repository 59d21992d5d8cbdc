// PUT /admin/users/{id} (`updateUserById`): password, email_confirm, metadata, ban_duration.
import { z } from 'zod';
import type { RouteHandler } from '../double-request.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { parseGoDuration } from '../go-duration.js';
import { hashPassword } from '../password-hash.js';
import { assertPasswordAcceptable } from '../password-policy.js';
import { jsonReply } from '../reply.js';
import { optionalMetadata, optionalString, parseJsonBody } from '../request-body.js';
import { confirmEmail, mergeMetadata } from '../user-store.js';
import { toWireUser } from '../user-view.js';
import { loadAdminTarget } from './admin-users.js';

const adminUpdateBody = z.object({
  // `*string` in GoTrue: `null` is "not given", `""` is a (too short) password.
  password: z.string().nullish(),
  email_confirm: z.boolean().nullish(),
  user_metadata: optionalMetadata,
  app_metadata: optionalMetadata,
  ban_duration: optionalString,
  // Out of the double's scope: refused below when given.
  email: optionalString,
  phone: optionalString,
  role: optionalString,
  password_hash: optionalString,
  phone_confirm: z.boolean().nullish(),
});

/**
 * `adminUserUpdate`, in GoTrue's order: the ban duration is parsed and the password checked
 * before anything is written. A new password clears the user's one-time tokens and logs out every
 * session; metadata maps are merged (a `null` value removes the key); `ban_duration` sets
 * `banned_until` to now plus the duration (`"none"` or a zero duration lifts the ban). A ban
 * ends no session: user routes and refreshes refuse the banned user instead.
 */
export const handleAdminUpdateUser: RouteHandler = async (request, core) => {
  const user = await loadAdminTarget(request, core);
  const body = parseJsonBody(request.rawBody, adminUpdateBody);
  const unsupported = [
    ...(['email', 'phone', 'role', 'password_hash'] as const).filter(
      (field) => (body[field] ?? '') !== '',
    ),
    ...(body.phone_confirm === true ? ['phone_confirm'] : []),
  ];
  if (unsupported.length > 0) {
    throw goTrueErrors.validationFailed(
      `Supabase test double: admin updates of ${unsupported.join(', ')} are out of scope`,
    );
  }
  const now = core.clock.now();
  let bannedUntil: number | null | undefined;
  const banDuration = body.ban_duration ?? '';
  if (banDuration !== '') {
    let durationMs = 0;
    if (banDuration !== 'none') {
      try {
        durationMs = parseGoDuration(banDuration);
      } catch (error) {
        throw goTrueErrors.badBanDuration(error instanceof Error ? error.message : banDuration);
      }
    }
    bannedUntil = durationMs === 0 ? null : now + durationMs;
  }
  if (body.password != null) {
    assertPasswordAcceptable(body.password, core.settings().passwordPolicy);
    user.passwordHash = hashPassword(body.password);
    core.tokens.removeForUser(user.id);
    core.sessions.removeForUser(user.id);
  }
  if (body.email_confirm === true) confirmEmail(user, now);
  if (body.app_metadata != null)
    user.appMetadata = mergeMetadata(user.appMetadata, body.app_metadata);
  if (body.user_metadata != null)
    user.userMetadata = mergeMetadata(user.userMetadata, body.user_metadata);
  if (bannedUntil !== undefined) user.bannedUntil = bannedUntil;
  user.updatedAt = now;
  return jsonReply(200, toWireUser(user));
};
