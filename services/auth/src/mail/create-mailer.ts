// Picks the mail adapter from config: SMTP when AUTH_SMTP_URL is set, the dev outbox otherwise.
import type { MailLogger } from './mail-logger.js';
import type { Mailer } from './mailer.js';
import { createOutboxMailer } from './outbox-mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';

export interface MailSettings {
  readonly smtpUrl: string | undefined;
  readonly from: string;
  readonly outboxDir: string;
}

export function createMailer(config: { readonly mail: MailSettings }, logger: MailLogger): Mailer {
  const { smtpUrl, from, outboxDir } = config.mail;
  if (smtpUrl !== undefined && smtpUrl !== '')
    return createSmtpMailer({ url: smtpUrl, from, logger });
  logger.warn(
    { folder: outboxDir },
    'AUTH_SMTP_URL is not set: mail is written to the development outbox and its links are logged. Never run like this in production.',
  );
  return createOutboxMailer({ folder: outboxDir, from, logger });
}
