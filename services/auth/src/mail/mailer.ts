// The Mailer port: how the auth service sends mail, whatever carries it (SMTP, a dev outbox).

/** What a message is about; used in logs and tests, never shown to the recipient. */
export type MailKind =
  | 'verify_email'
  | 'reset_password'
  | 'password_changed'
  | 'new_device'
  | 'account_exists'
  | 'email_change'
  | 'email_change_requested'
  | 'account_deleted'
  | 'factor_added'
  | 'factor_removed'
  | 'recovery_code_used'
  | 'email_code'
  | 'trusted_devices_ended'
  | 'link_identity'
  | 'identity_linked';

export interface MailMessage {
  readonly kind: MailKind;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /**
   * Set by the mail queue: the same on every attempt of one message, so the Message-ID header is
   * too, and a message sent again (after a crash between "accepted" and "marked sent") can be
   * recognised as the same one.
   */
  readonly deliveryId?: string;
}

export interface Mailer {
  /** Resolves once the message is handed over (accepted by SMTP, written to the outbox). */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
