// Development outbox: each message becomes a .eml file, and its link is logged for copying.
// For development only: that log line carries the one-time link (the outbox's whole point),
// and the files hold live tokens. The SMTP mailer never logs links or bodies.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { findLinks } from './find-links.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import type { MailLogger } from './mail-logger.js';
import { messageIdHeader } from './message-id.js';
import type { Mailer, MailMessage } from './mailer.js';

const DEFAULT_FROM = 'AuthFlow outbox <outbox@localhost>';
const MAX_NAME_ATTEMPTS = 100;

export interface OutboxMailerOptions {
  /** Created (with its parents) on the first message. */
  readonly folder: string;
  readonly logger: MailLogger;
  /** The From header of the written messages. */
  readonly from?: string;
  /** The clock that names files; tests pin it. */
  readonly now?: () => Date;
}

export function createOutboxMailer(options: OutboxMailerOptions): Mailer {
  // RFC 5322 wants CRLF line ends; mail clients open such files as they are.
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const now = options.now ?? (() => new Date());
  let closed = false;
  return {
    async send(message) {
      if (closed) throw new MailDeliveryError(message.kind, 'the outbox mailer is closed');
      const { message: eml } = await composer.sendMail({
        from: options.from ?? DEFAULT_FROM,
        ...messageIdHeader(message, options.from ?? DEFAULT_FROM),
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      if (!Buffer.isBuffer(eml)) {
        throw new Error('mail: the outbox expected the message as a buffer');
      }
      await mkdir(options.folder, { recursive: true });
      const file = await writeNewFile(options.folder, fileStem(now(), message), eml);
      const link = findLinks(message.text)[0];
      options.logger.info(
        { kind: message.kind, to: message.to, file, link },
        'mail written to the development outbox (not sent)',
      );
    },
    close() {
      closed = true;
      composer.close();
      return Promise.resolve();
    },
  };
}

/** `2025-01-14T15-09-26.123Z-verify_email-ada@example.com`: sorts by time, safe on every OS. */
export function fileStem(time: Date, message: Pick<MailMessage, 'kind' | 'to'>): string {
  const stamp = time.toISOString().replaceAll(':', '-');
  const recipient = message.to
    .toLowerCase()
    .replace(/[^a-z0-9@._+-]+/gu, '_')
    .slice(0, 64);
  return `${stamp}-${message.kind}-${recipient}`;
}

/** Never overwrites: a second message in the same millisecond gets `-2`, `-3`, ... */
async function writeNewFile(folder: string, stem: string, content: Buffer): Promise<string> {
  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt += 1) {
    const file = join(folder, attempt === 1 ? `${stem}.eml` : `${stem}-${attempt}.eml`);
    try {
      await writeFile(file, content, { flag: 'wx' });
      return file;
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
    }
  }
  throw new Error(`mail: no free outbox file name for ${stem}`);
}

function isAlreadyThere(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'EEXIST';
}
