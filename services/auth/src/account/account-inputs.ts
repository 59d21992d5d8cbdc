// Shapes of the account endpoints' inputs, JSON and form alike. Lengths are capped before any work.
import { z } from 'zod';
import { email, password, token } from '../api/schemas.js';

export const changePasswordBody = z.object({
  current_password: password,
  new_password: password,
  sign_out_others: z.boolean().default(true),
});
export const changeEmailBody = z.object({ current_password: password, new_email: email });
export const confirmEmailBody = z.object({ token });
export const deleteAccountBody = z.object({ password });

/** Forms send text: a checkbox is present ("on") when ticked and absent otherwise. */
export const changePasswordForm = z.object({
  current_password: password,
  new_password: password,
  sign_out_others: z.literal('on').optional(),
});
export const changeEmailForm = z.object({ email_current_password: password, new_email: email });
export const deleteAccountForm = z.object({ delete_password: password, confirm: z.literal('on') });
