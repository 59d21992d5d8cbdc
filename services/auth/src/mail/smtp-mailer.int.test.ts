// The SMTP mailer against a real SMTP server over TCP: delivery, refusals, dead and silent relays.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type TestSmtpServer } from '@authflow/testing';
import { describeMailerContract } from './mailer.contract.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import { verificationMail } from './mail-templates.js';
import { createSmtpMailer } from './smtp-mailer.js';
import { BRANDING, captureLogger, LONG_LINK, TOKEN } from './test-support/fixtures.js';

const FROM = 'Acme <no-reply@acme.test>';
const PASSWORD = 's3cret-pass';
const verification = (to = 'ada@example.com') =>
  verificationMail(BRANDING, { to, link: LONG_LINK, expiresInHours: 24 });

describeMailerContract('SMTP', async () => {
  const server = await startTestSmtpServer();
  const mailer = createSmtpMailer({ url: server.url, from: FROM, logger: captureLogger().logger });
  return {
    mailer,
    delivered: () => Promise.resolve(server.messages),
    close: async () => {
      await mailer.close();
      await server.close();
    },
  };
});

describe('SMTP mailer', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function smtpServer(
    options?: Parameters<typeof startTestSmtpServer>[0],
  ): Promise<TestSmtpServer> {
    const server = await startTestSmtpServer(options);
    cleanups.push(() => server.close());
    return server;
  }

  it('sends from the configured address and logs kind and recipient, never the body or link', async () => {
    const server = await smtpServer();
    const { logger, lines } = captureLogger();
    const mailer = createSmtpMailer({ url: server.url, from: FROM, logger });

    await mailer.send(verification());

    const [mail] = server.messages;
    expect(mail!.from).toBe('no-reply@acme.test');
    expect(mail!.headers.get('from')).toBe('Acme <no-reply@acme.test>');
    expect(lines).toEqual([
      {
        level: 'info',
        fields: expect.objectContaining({ kind: 'verify_email', to: 'ada@example.com' }),
        message: 'mail accepted by the SMTP server',
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(JSON.stringify(lines)).not.toContain('http');
  });

  it('quoted-printable on the wire folds the long link, and it still arrives whole', async () => {
    const server = await smtpServer();
    const mailer = createSmtpMailer({
      url: server.url,
      from: FROM,
      logger: captureLogger().logger,
    });

    await mailer.send(verification());

    const [mail] = server.messages;
    expect(mail!.raw).toMatch(/Content-Transfer-Encoding: quoted-printable/iu);
    expect(mail!.raw).not.toContain(LONG_LINK);
    expect(mail!.links[0]).toBe(LONG_LINK);
  });

  it('rejects when the server refuses the recipient; neither error nor log carries the password', async () => {
    const server = await smtpServer({ failRecipients: ['gone@example.com'] });
    const { logger, lines } = captureLogger();
    const mailer = createSmtpMailer({
      url: `smtp://user:${PASSWORD}@127.0.0.1:${server.port}`,
      from: FROM,
      logger,
    });

    const error: unknown = await mailer
      .send(verification('gone@example.com'))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error).toMatchObject({ kind: 'verify_email', code: 'EENVELOPE', responseCode: 550 });
    expect((error as Error).message).toMatch(/^The verify_email mail was not delivered: .*550/u);
    expect(server.logins).toEqual(['user']);
    expect(server.messages).toEqual([]);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'debug', message: 'mail not accepted by the SMTP server' }),
    ]);
    const everything = JSON.stringify({ error, stack: (error as Error).stack, lines });
    expect(everything).not.toContain(PASSWORD);
  });

  it('rejects quickly when nothing listens on the port', async () => {
    const port = await closedPort();
    const mailer = createSmtpMailer({
      url: `smtp://user:${PASSWORD}@127.0.0.1:${port}`,
      from: FROM,
      logger: captureLogger().logger,
    });

    const started = performance.now();
    const error: unknown = await mailer.send(verification()).catch((caught: unknown) => caught);

    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ name: 'MailDeliveryError', code: 'ESOCKET' });
    expect(JSON.stringify({ error, message: (error as Error).message })).not.toContain(PASSWORD);
  });

  it('gives up on a server that accepts the connection but never greets', async () => {
    const port = await silentServer(cleanups);
    const mailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${port}?greetingTimeout=300`,
      from: FROM,
      logger: captureLogger().logger,
    });

    const started = performance.now();
    const error: unknown = await mailer.send(verification()).catch((caught: unknown) => caught);

    expect(performance.now() - started).toBeLessThan(3_000);
    expect(error).toMatchObject({ name: 'MailDeliveryError', code: 'ETIMEDOUT' });
  });

  it('refuses a URL that is not smtp:// or smtps:// without echoing it', () => {
    expect(() =>
      createSmtpMailer({
        url: `https://user:${PASSWORD}@mail.test`,
        from: FROM,
        logger: captureLogger().logger,
      }),
    ).toThrow(/^mail: the SMTP URL must look like smtp:\/\/user:pass@host:port/u);
    expect(() =>
      createSmtpMailer({
        url: `smtp://user:${PASSWORD}@[bad`,
        from: FROM,
        logger: captureLogger().logger,
      }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining(PASSWORD) }));
  });
});

/** A port that was free a moment ago: nothing answers there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts TCP connections and says nothing, like a wedged relay. */
async function silentServer(cleanups: (() => Promise<void>)[]): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}
