// A real SMTP server on 127.0.0.1 for tests: keeps every message it receives, parsed, and can
// refuse chosen recipients. Plain TCP, no TLS; AUTH is accepted with any credentials.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { linksOf } from './mail-links.js';
import { parseMail } from './parse-mime.js';

export interface ReceivedMail {
  /** The envelope sender (MAIL FROM). */
  readonly from: string;
  /** The envelope recipients the server accepted (RCPT TO). */
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The message exactly as transferred, CRLF line ends, transfer encodings in place. */
  readonly raw: string;
  /** http(s) links of the text part in order, then any other `href` of the HTML part. */
  readonly links: string[];
  /** Top-level headers, lower-case names. */
  readonly headers: ReadonlyMap<string, string>;
}

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:PORT`; add `user:pass@` freely, any credentials are accepted. */
  readonly url: string;
  readonly port: number;
  /** Every message received so far, oldest first. */
  readonly messages: readonly ReceivedMail[];
  /** User names of every successful AUTH. */
  readonly logins: readonly string[];
  /**
   * The first message, already received or still to come, that matches. Rejects after
   * `timeoutMs` with a list of what did arrive.
   */
  waitForMessage(
    predicate: (mail: ReceivedMail) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export interface TestSmtpServerOptions {
  /** RCPT TO these addresses (any case) is answered with 550. */
  readonly failRecipients?: readonly string[];
  /** A fixed port, e.g. to come back where a stopped server was; default: any free port. */
  readonly port?: number;
}

interface Waiter {
  readonly predicate: (mail: ReceivedMail) => boolean;
  readonly resolve: (mail: ReceivedMail) => void;
  readonly reject: (error: Error) => void;
}

export async function startTestSmtpServer(
  options: TestSmtpServerOptions = {},
): Promise<TestSmtpServer> {
  const refused = new Set((options.failRecipients ?? []).map((address) => address.toLowerCase()));
  const messages: ReceivedMail[] = [];
  const logins: string[] = [];
  const waiters = new Set<Waiter>();

  const receive = (mail: ReceivedMail): void => {
    messages.push(mail);
    for (const waiter of waiters) {
      if (!waiter.predicate(mail)) continue;
      waiters.delete(waiter);
      waiter.resolve(mail);
    }
  };

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    // A reverse DNS lookup per connection tells a test nothing and may wait on a resolver.
    disableReverseLookup: true,
    // Tests close the server right after their last message; nothing needs the grace period.
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      logins.push(auth.username ?? '');
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onRcptTo(address, _session, callback) {
      const refuse = refused.has(address.address.toLowerCase());
      callback(
        refuse
          ? Object.assign(new Error(`Mailbox unavailable: ${address.address}`), {
              responseCode: 550,
            })
          : null,
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const parsed = parseMail(raw);
        const mailFrom = session.envelope.mailFrom;
        receive({
          from: mailFrom === false ? '' : mailFrom.address,
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          subject: parsed.subject,
          text: parsed.text,
          html: parsed.html,
          raw: raw.toString('utf8'),
          links: linksOf(parsed.text, parsed.html),
          headers: parsed.headers,
        });
        callback();
      });
    },
  });

  const port = await listen(server, options.port ?? 0);
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    logins,
    waitForMessage(predicate, timeoutMs = 5_000) {
      const already = messages.find(predicate);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`No matching message within ${timeoutMs} ms. ${describe(messages)}`));
        }, timeoutMs);
        const waiter: Waiter = {
          predicate,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
          reject,
        };
        waiters.add(waiter);
      });
    },
    async close() {
      for (const waiter of waiters) waiter.reject(new Error('The test SMTP server was closed'));
      waiters.clear();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

function listen(server: SMTPServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
}

function describe(messages: readonly ReceivedMail[]): string {
  if (messages.length === 0) return 'Received nothing.';
  const lines = messages.map((mail) => `  - to ${mail.to.join(', ')}: "${mail.subject}"`);
  return `Received ${messages.length}:\n${lines.join('\n')}`;
}
