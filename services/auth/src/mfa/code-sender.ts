// How a one-time code reaches the user, for the factors that send one. Email is the one shipped;
// an SMS factor would be another `CodeSender` (a text message through the operator's provider)
// with the phone number kept beside the email factor (see README: "Second factors").
import type { Branding } from '../branding.js';
import { emailCodeMail } from '../mail/mail-templates.js';
import type { Mailer } from '../mail/mailer.js';

export interface CodeSender {
  /** The `amr` value (RFC 8176) a code sent this way adds: `otp` for email, `sms` for SMS. */
  readonly amr: string;
  /** Sends `code` (6 digits, valid `validMinutes`) to `destination` (an address, a number). */
  send(destination: string, code: string, validMinutes: number): Promise<void>;
}

/** Codes by email, through the mail queue (retried through an SMTP outage). */
export function emailCodeSender(mailer: Mailer, branding: Branding): CodeSender {
  return {
    amr: 'otp',
    send: (to, code, validMinutes) =>
      mailer.send(emailCodeMail(branding, { to, code, validMinutes })),
  };
}
