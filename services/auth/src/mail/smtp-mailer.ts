// Sends mail through an SMTP relay with nodemailer. Logs which kind of mail went to whom, never
// a body or a link: the links are one-time tokens.
import { createTransport } from 'nodemailer';
import { MailDeliveryError, redact, toDeliveryError } from './mail-delivery-error.js';
import type { MailLogger } from './mail-logger.js';
import { messageIdHeader } from './message-id.js';
import type { Mailer } from './mailer.js';

/**
 * nodemailer waits minutes by default; a relay that is down or silent should fail a send in
 * seconds. Query options in the URL (`?greetingTimeout=10000`) take precedence.
 */
const TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 20_000 };

export interface SmtpMailerOptions {
  /**
   * `smtp://user:pass@host:587` (upgrades with STARTTLS when offered) or `smtps://user:pass@host:465`.
   * Query options are nodemailer's, e.g. `?pool=true`. Percent-encode `:` and `@` in the password.
   */
  readonly url: string;
  /** The From header, e.g. `Acme <no-reply@acme.test>`. */
  readonly from: string;
  readonly logger: MailLogger;
}

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const secrets = credentialForms(options.url);
  const transport = openTransport(options.url, secrets);
  let closed = false;
  return {
    async send(message) {
      const fields = { kind: message.kind, to: message.to };
      if (closed) throw new MailDeliveryError(message.kind, 'the SMTP mailer is closed');
      let rejected: string[];
      let messageId: string;
      try {
        ({ rejected, messageId } = await transport.sendMail({
          from: options.from,
          ...messageIdHeader(message, options.from),
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        }));
      } catch (error) {
        const failure = toDeliveryError(message.kind, error, secrets);
        // Debug only: the mail queue retries, and its breaker logs an outage once.
        options.logger.debug(
          {
            ...fields,
            code: failure.code,
            responseCode: failure.responseCode,
            reason: failure.message,
          },
          'mail not accepted by the SMTP server',
        );
        throw failure;
      }
      // nodemailer fails when every recipient is refused; a partial refusal is a failure too.
      if (rejected.length > 0) {
        const failure = new MailDeliveryError(
          message.kind,
          'the SMTP server refused the recipient',
        );
        options.logger.debug(
          { ...fields, reason: failure.message },
          'mail not accepted by the SMTP server',
        );
        throw failure;
      }
      options.logger.info({ ...fields, messageId }, 'mail accepted by the SMTP server');
    },
    close() {
      closed = true;
      transport.close();
      return Promise.resolve();
    },
  };
}

/** nodemailer's URL errors quote the URL, password included: only a redacted message leaves. */
function openTransport(url: string, secrets: readonly string[]) {
  try {
    return createTransport({ ...TIMEOUTS, url });
  } catch (error) {
    // eslint-disable-next-line preserve-caught-error -- the cause would carry the URL, password included
    throw new Error(`mail: cannot use the SMTP URL: ${redact(String(error), secrets)}`);
  }
}

/** The password as written in the URL, decoded, and as AUTH LOGIN would send it. */
function credentialForms(url: string): string[] {
  const parsed = URL.parse(url);
  if (parsed === null || (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')) {
    throw new Error(
      'mail: the SMTP URL must look like smtp://user:pass@host:port or smtps://user:pass@host:port',
    );
  }
  if (parsed.password === '') return [];
  let decoded = parsed.password;
  try {
    decoded = decodeURIComponent(parsed.password);
  } catch {
    // A malformed escape: nodemailer will use the text as written, which is already listed.
  }
  return [parsed.password, decoded, Buffer.from(decoded).toString('base64')];
}
