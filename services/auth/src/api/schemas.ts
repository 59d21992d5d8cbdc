// Shapes of the JSON API's inputs. Lengths are capped before anything is hashed or stored.
import { z } from 'zod';

/** Text without NUL or other control characters (they cannot be stored, and nobody types them). */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/u;
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'control characters');

export const email = text(254).min(3);
/** The policy (10–128) is the provider's; this only bounds the work a request can ask for. */
export const password = text(1_024).min(1);
export const token = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9._~-]+$/u);

export const signUpBody = z.object({ email, password });
export const signInBody = z.object({ email, password, next: z.string().max(4_096).optional() });
export const forgotPasswordBody = z.object({ email });
export const resetPasswordBody = z.object({ token, password });
export const tokenQuery = z.object({ token });
export const sessionIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{43}$/u) });
