// Development outbox: each message becomes a .eml file with a decoded .txt beside it (the .eml's
// quoted-printable breaks links: `token=3D…`), and its links are logged, decoded, for copying.
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
      // Same name, .txt: the plain text as written, so a link copied from it works.
      await writeFile(file.replace(/\.eml$/u, '.txt'), readableText(message), { flag: 'wx' });
      const links = findLinks(message.text);
      options.logger.info(
        { kind: message.kind, to: message.to, file, link: links[0], links },
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

/** The text part with the headers a reader needs, undecorated: no transfer encoding at all. */
function readableText(message: MailMessage): string {
  return `To: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`;
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
