// When a failed mail is tried again, and whether a failure is worth another try.
import { MailDeliveryError } from '../mail-delivery-error.js';

export interface RetryPolicy {
  /** The wait after the first failure; it doubles with each further failure. */
  readonly baseMs: number;
  /** The longest wait between two attempts. */
  readonly maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": after `failures` failed attempts, wait between half
 * and all of min(max, base * 2^(failures - 1)), so instances that failed together spread out.
 */
export function retryDelayMs(
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * A refusal for good: the server answered 5xx to this message or its recipient (unknown
 * mailbox, rejected content). Retrying would be refused the same way.
 */
export function isPermanentMailFailure(error: unknown): boolean {
  return (
    error instanceof MailDeliveryError &&
    error.responseCode !== undefined &&
    error.responseCode >= 500 &&
    error.code !== 'EAUTH'
  );
}

/**
 * The mail server's fault, for its breaker: no answer (connection, DNS, timeout), a temporary
 * 4xx, or refused credentials (every message would fail the same way). A recipient the server
 * refuses for good is an answer, not an outage.
 */
export function isMailServerFailure(error: unknown): boolean {
  return !isPermanentMailFailure(error);
}

/** What the outbox records about a failure: a code, never a message that could quote content. */
export function failureCode(error: unknown): string {
  if (error instanceof MailDeliveryError) {
    if (error.responseCode !== undefined) return `${error.code ?? 'SMTP'}:${error.responseCode}`;
    return error.code ?? 'EDELIVERY';
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code.slice(0, 64) : 'error';
}
