// Public surface of the mail layer: the Mailer port, its adapters and the message templates.
export type { Mailer, MailKind, MailMessage } from './mailer.js';
export type { MailLogger } from './mail-logger.js';
export { MailDeliveryError } from './mail-delivery-error.js';
export { createSmtpMailer, type SmtpMailerOptions } from './smtp-mailer.js';
export { createOutboxMailer, type OutboxMailerOptions } from './outbox-mailer.js';
export { createMailer, type MailSettings } from './create-mailer.js';
export { findLinks } from './find-links.js';
export {
  accountExistsMail,
  newDeviceMail,
  passwordChangedMail,
  passwordResetMail,
  verificationMail,
} from './mail-templates.js';
