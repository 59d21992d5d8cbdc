// The answer to a throttled sign-in: when to try again, in the message and in Retry-After.
import type { AuthflowError } from '@authflow/errors';
import { authErrors } from '../errors/auth-errors.js';

/** "40 seconds", "1 minute", "15 minutes", "2 hours": rounded up, so it is never too early. */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1_000));
  const [amount, unit] =
    seconds < 60
      ? [seconds, 'second']
      : seconds < 3_600
        ? [Math.ceil(seconds / 60), 'minute']
        : [Math.ceil(seconds / 3_600), 'hour'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/** 429 `rate_limited` for a sign-in refused by the throttle; pages show the same message. */
export function loginThrottledError(retryAfterMs: number): AuthflowError {
  return authErrors.create('rate_limited', {
    message: `Too many failed sign-ins. Try again in ${describeWait(retryAfterMs)}.`,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1_000))) },
    details: { retry_after_seconds: Math.max(1, Math.ceil(retryAfterMs / 1_000)) },
  });
}
