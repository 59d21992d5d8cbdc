// The double's outbox: emails GoTrue would have sent, readable by tests through the side channel.

/** `email_change`: one to the new address, and with secure email change one to the current. */
export type EmailType = 'signup' | 'recovery' | 'email_change';

export interface SentEmail {
  /** Also the `type` to pass to `verifyOtp` with this email's `tokenHash`. */
  readonly type: EmailType;
  readonly email: string;
  readonly tokenHash: string;
  /** The 6-digit code the email would show. */
  readonly token: string;
  /** Where the link leads: the allowed `redirect_to`, else the Site URL. */
  readonly redirectTo: string;
  /** The `redirect_to` the request carried, `null` when absent. */
  readonly requestedRedirectTo: string | null;
  readonly sentAt: Date;
}

export interface EmailFilter {
  readonly type?: EmailType;
  readonly email?: string;
}

export interface Mailbox {
  record(email: SentEmail): void;
  list(filter?: EmailFilter): SentEmail[];
  clear(): void;
}

export function createMailbox(): Mailbox {
  const sent: SentEmail[] = [];
  return {
    record: (email) => {
      sent.push(email);
    },
    list: (filter = {}) =>
      sent.filter(
        (mail) =>
          (filter.type === undefined || mail.type === filter.type) &&
          (filter.email === undefined || mail.email === filter.email.trim().toLowerCase()),
      ),
    clear: () => {
      sent.length = 0;
    },
  };
}
