// The Mailer port: how the auth service sends mail, whatever carries it (SMTP, a dev outbox).

/** What a message is about; used in logs and tests, never shown to the recipient. */
export type MailKind =
  'verify_email' | 'reset_password' | 'password_changed' | 'new_device' | 'account_exists';

export interface MailMessage {
  readonly kind: MailKind;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface Mailer {
  /** Resolves once the message is handed over (accepted by SMTP, written to the outbox). */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
