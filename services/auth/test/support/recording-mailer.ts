// A Mailer that keeps messages in memory, for tests that read links without an SMTP server.
import type { Mailer, MailKind, MailMessage } from '../../src/mail/mailer.js';

export interface RecordingMailer extends Mailer {
  readonly sent: MailMessage[];
  /** The last message of `kind` to `to` (case-insensitive), if any. */
  last(to: string, kind: MailKind): MailMessage | undefined;
  /** The `token` (or `token_hash`) query parameter of the first link in that message. */
  lastToken(to: string, kind: MailKind): string | undefined;
}

export function createRecordingMailer(): RecordingMailer {
  const sent: MailMessage[] = [];
  const last = (to: string, kind: MailKind): MailMessage | undefined =>
    sent.findLast(
      (message) => message.kind === kind && message.to.toLowerCase() === to.toLowerCase(),
    );
  return {
    sent,
    send: (message) => {
      sent.push(message);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
    last,
    lastToken: (to, kind) => {
      const link = /https?:\/\/\S+/u.exec(last(to, kind)?.text ?? '')?.[0];
      if (link === undefined) return undefined;
      const url = new URL(link);
      return url.searchParams.get('token') ?? url.searchParams.get('token_hash') ?? undefined;
    },
  };
}
