// Sends (records) confirmation, recovery and email-change emails, enforcing GoTrue's per-user email window.
import type { DoubleCore } from './double-core.js';
import { goTrueErrors } from './gotrue-errors.js';
import type { EmailType } from './mailbox.js';
import type { OneTimeToken } from './one-time-tokens.js';
import type { ResolvedRedirect } from './redirects.js';
import type { UserRecord } from './user-store.js';

/** Throws 429 `over_email_send_rate_limit` when the last email of this type is inside the window. */
export function assertOutsideEmailWindow(
  lastSentAt: number | null,
  now: number,
  seconds: number,
): void {
  if (lastSentAt === null) return;
  const waitMs = lastSentAt + seconds * 1000 - now;
  if (waitMs > 0) throw goTrueErrors.emailWindow(Math.ceil(waitMs / 1000));
}

export function sendEmailLink(
  core: DoubleCore,
  user: UserRecord,
  type: Exclude<EmailType, 'email_change'>,
  redirect: ResolvedRedirect,
): OneTimeToken {
  const now = core.clock.now();
  const lastSentAt = type === 'signup' ? user.confirmationSentAt : user.recoverySentAt;
  assertOutsideEmailWindow(lastSentAt, now, core.settings().emailFrequencySeconds);
  const token = core.tokens.issue(
    user.id,
    user.email,
    type === 'signup' ? 'confirmation' : 'recovery',
    now,
  );
  if (type === 'signup') user.confirmationSentAt = now;
  else user.recoverySentAt = now;
  core.mailbox.record({
    type,
    email: user.email,
    tokenHash: token.tokenHash,
    token: token.otp,
    redirectTo: redirect.effective,
    requestedRedirectTo: redirect.requested,
    sentAt: new Date(now),
  });
  return token;
}

/**
 * `PUT /user` with a new address (reference 11.1): a link to the new address, and with secure
 * email change one to the current address too; each has its own token. Nothing changes yet.
 */
export function sendEmailChangeLinks(
  core: DoubleCore,
  user: UserRecord,
  newEmail: string,
  redirect: ResolvedRedirect,
): void {
  const now = core.clock.now();
  assertOutsideEmailWindow(user.emailChangeSentAt, now, core.settings().emailFrequencySeconds);
  const recipients: [string, 'email_change_new' | 'email_change_current'][] = [
    [newEmail, 'email_change_new'],
  ];
  if (core.settings().secureEmailChange && user.email !== '')
    recipients.push([user.email, 'email_change_current']);
  for (const [email, kind] of recipients) {
    const token = core.tokens.issue(user.id, email, kind, now);
    core.mailbox.record({
      type: 'email_change',
      email,
      tokenHash: token.tokenHash,
      token: token.otp,
      redirectTo: redirect.effective,
      requestedRedirectTo: redirect.requested,
      sentAt: new Date(now),
    });
  }
  user.newEmail = newEmail;
  user.emailChangeSentAt = now;
  user.updatedAt = now;
}
