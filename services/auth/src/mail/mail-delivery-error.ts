// The error a mailer throws when a message was not handed over: a clear reason, never a secret.
import type { MailKind } from './mailer.js';

export class MailDeliveryError extends Error {
  override readonly name = 'MailDeliveryError';
  readonly kind: MailKind;
  /** nodemailer's error code: ECONNECTION, ETIMEDOUT, EAUTH, EENVELOPE, ... */
  readonly code: string | undefined;
  /** The SMTP reply code when the server refused, e.g. 550. */
  readonly responseCode: number | undefined;

  constructor(
    kind: MailKind,
    reason: string,
    details: { readonly code?: string; readonly responseCode?: number } = {},
  ) {
    super(`The ${kind} mail was not delivered: ${reason}`);
    this.kind = kind;
    this.code = details.code;
    this.responseCode = details.responseCode;
  }
}

/**
 * Rebuilds a transport failure from its message and codes only, with every secret replaced.
 * The original is not kept as `cause`: serializers walk causes, and nodemailer errors can carry
 * the connection settings.
 */
export function toDeliveryError(
  kind: MailKind,
  error: unknown,
  secrets: readonly string[],
): MailDeliveryError {
  const reason = error instanceof Error ? error.message : String(error);
  const code = readProperty(error, 'code');
  const responseCode = readProperty(error, 'responseCode');
  return new MailDeliveryError(kind, redact(reason, secrets), {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof responseCode === 'number' ? { responseCode } : {}),
  });
}

export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce(
    (result, secret) => (secret === '' ? result : result.split(secret).join('[redacted]')),
    text,
  );
}

function readProperty(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
