// The test SMTP server: collects what nodemailer sends, waits for mail, refuses chosen recipients.
import { createTransport } from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type TestSmtpServer } from './test-smtp-server.js';

describe('test SMTP server', () => {
  let server: TestSmtpServer;
  beforeEach(async () => {
    server = await startTestSmtpServer({ failRecipients: ['Refused@Example.com'] });
  });
  afterEach(async () => {
    await server.close();
  });

  const send = (to: string, subject: string) =>
    createTransport(server.url).sendMail({
      from: 'app@acme.test',
      to,
      subject,
      text: `Open https://acme.test/a?x=1&y=${'z'.repeat(90)} now.`,
      html: '<a href="https://acme.test/html-only?a=1&amp;b=2">go</a>',
    });

  it('resolves waitForMessage when a matching message arrives, with envelope, parts and links', async () => {
    const waiting = server.waitForMessage((mail) => mail.subject === 'second');
    await send('one@example.com', 'first');
    await send('two@example.com', 'second');

    const mail = await waiting;
    expect(server.url).toBe(`smtp://127.0.0.1:${server.port}`);
    expect(mail.from).toBe('app@acme.test');
    expect(mail.to).toEqual(['two@example.com']);
    expect(mail.links).toEqual([
      `https://acme.test/a?x=1&y=${'z'.repeat(90)}`,
      'https://acme.test/html-only?a=1&b=2',
    ]);
    expect(mail.raw).toContain('Subject: second\r\n');
    expect(server.messages.map((received) => received.subject)).toEqual(['first', 'second']);
  });

  it('resolves at once for a message that already arrived', async () => {
    await send('one@example.com', 'early');

    await expect(
      server.waitForMessage((mail) => mail.subject === 'early', 10),
    ).resolves.toMatchObject({ subject: 'early' });
  });

  it('rejects on timeout, listing what did arrive', async () => {
    await send('one@example.com', 'not this one');

    await expect(server.waitForMessage((mail) => mail.subject === 'never', 50)).rejects.toThrow(
      'No matching message within 50 ms. Received 1:\n  - to one@example.com: "not this one"',
    );
  });

  it('refuses the configured recipients, in any case', async () => {
    await expect(send('refused@example.COM', 'refused')).rejects.toMatchObject({
      responseCode: 550,
    });
    expect(server.messages).toEqual([]);
  });

  it('starts again on the port a stopped server had (an outage, then the same relay back)', async () => {
    const port = server.port;
    await server.close();
    await expect(send('lost@example.com', 'while down')).rejects.toMatchObject({
      code: 'ESOCKET',
    });
    server = await startTestSmtpServer({ port });
    expect(server.port).toBe(port);
    await send('back@example.com', 'after');
    expect(server.messages.map((mail) => mail.subject)).toEqual(['after']);
  });
});
