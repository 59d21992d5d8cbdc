// The sign-in and sign-up forms post the same fields: read them once.
import { z } from 'zod';
import { email, password } from '../api/schemas.js';

const credentialsForm = z.object({
  email: z.string(),
  password: z.string(),
  next: z.string().max(4_096).optional(),
});

export interface CredentialsForm {
  /** What was typed in the address field, to show it again (empty when the body is not a form). */
  readonly typed: string;
  readonly next: string | undefined;
  /** Present when both fields are usable; the flow judges them. */
  readonly credentials?: { email: string; password: string; next?: string | undefined };
}

export function readCredentialsForm(body: unknown): CredentialsForm {
  const form = credentialsForm.safeParse(body);
  if (!form.success) return { typed: '', next: undefined };
  const usable =
    email.safeParse(form.data.email).success && password.safeParse(form.data.password).success;
  return {
    typed: form.data.email,
    next: form.data.next,
    ...(usable ? { credentials: form.data } : {}),
  };
}
