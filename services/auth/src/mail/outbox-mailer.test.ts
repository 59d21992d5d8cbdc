// The development outbox: readable .eml files named by time, kind and recipient, links in the log.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMail } from '@authflow/testing';
import { findLinks } from './find-links.js';
import { describeMailerContract } from './mailer.contract.js';
import { newDeviceMail, verificationMail } from './mail-templates.js';
import { createOutboxMailer } from './outbox-mailer.js';
import { BRANDING, captureLogger, LONG_LINK, WHEN } from './test-support/fixtures.js';

const verification = (to = 'ada@example.com') =>
  verificationMail(BRANDING, { to, link: LONG_LINK, expiresInHours: 24 });

async function readOutbox(folder: string): Promise<{ name: string; raw: Buffer }[]> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.eml')).sort();
  return Promise.all(
    names.map(async (name) => ({ name, raw: await readFile(join(folder, name)) })),
  );
}

describeMailerContract('development outbox', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'authflow-outbox-'));
  return {
    mailer: createOutboxMailer({ folder, logger: captureLogger().logger }),
    delivered: async () =>
      (await readOutbox(folder)).map(({ raw }) => {
        const mail = parseMail(raw);
        return { ...mail, to: [mail.headers.get('to') ?? ''], links: findLinks(mail.text) };
      }),
    close: () => rm(folder, { recursive: true, force: true }),
  };
});

describe('development outbox', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'authflow-outbox-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates a missing nested folder and writes an RFC 5322 multipart/alternative message', async () => {
    const folder = join(root, 'var', 'mail', 'outbox');
    const mailer = createOutboxMailer({
      folder,
      logger: captureLogger().logger,
      from: 'Acme <no-reply@acme.test>',
    });

    await mailer.send(verification());

    const [file] = await readOutbox(folder);
    const text = file!.raw.toString('utf8');
    expect(text).toContain('\r\nContent-Type: text/plain; charset=utf-8\r\n');
    expect(text).toContain('\r\nContent-Type: text/html; charset=utf-8\r\n');
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    const mail = parseMail(file!.raw);
    expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative;\s*boundary=/u);
    expect(mail.headers.get('from')).toBe('Acme <no-reply@acme.test>');
    expect(mail.headers.get('to')).toBe('ada@example.com');
    expect(mail.subject).toBe('Confirm your email for Acme');
    expect(findLinks(mail.text)).toEqual([LONG_LINK]);
    expect(mail.html).toContain('<h1');
  });

  it('names files <ISO time>-<kind>-<safe recipient>.eml, never overwriting one', async () => {
    const mailer = createOutboxMailer({
      folder: root,
      logger: captureLogger().logger,
      now: () => WHEN,
    });

    await mailer.send(verification());
    await mailer.send(verification());
    await mailer.send(verification('../../Evil Name/<x>@example.com'));

    expect((await readOutbox(root)).map(({ name }) => name)).toEqual([
      '2025-01-14T15-09-26.000Z-verify_email-.._.._evil_name_x_@example.com.eml',
      '2025-01-14T15-09-26.000Z-verify_email-ada@example.com-2.eml',
      '2025-01-14T15-09-26.000Z-verify_email-ada@example.com.eml',
    ]);
  });

  it('logs kind, recipient, file and the link to copy, one line per message', async () => {
    const { logger, lines } = captureLogger();
    const mailer = createOutboxMailer({ folder: root, logger, now: () => WHEN });

    await mailer.send(verification());
    await mailer.send(
      newDeviceMail(BRANDING, {
        to: 'ada@example.com',
        deviceLabel: 'Safari 18 on macOS',
        ip: '203.0.113.7',
        when: WHEN,
      }),
    );

    expect(lines).toEqual([
      {
        level: 'info',
        fields: {
          kind: 'verify_email',
          to: 'ada@example.com',
          file: join(root, '2025-01-14T15-09-26.000Z-verify_email-ada@example.com.eml'),
          link: LONG_LINK,
          links: [LONG_LINK],
        },
        message: 'mail written to the development outbox (not sent)',
      },
      expect.objectContaining({
        fields: expect.objectContaining({ kind: 'new_device', link: undefined, links: [] }),
      }),
    ]);
  });

  it('keeps a decoded .txt beside each .eml, so a link copied from it works', async () => {
    const mailer = createOutboxMailer({
      folder: root,
      logger: captureLogger().logger,
      now: () => WHEN,
    });

    await mailer.send(verification());

    const stem = '2025-01-14T15-09-26.000Z-verify_email-ada@example.com';
    expect((await readdir(root)).sort()).toEqual([`${stem}.eml`, `${stem}.txt`]);
    // The .eml is quoted-printable: copied from it, the link is broken.
    expect((await readFile(join(root, `${stem}.eml`), 'utf8')).replaceAll('=\r\n', '')).toContain(
      'token=3D',
    );
    const text = await readFile(join(root, `${stem}.txt`), 'utf8');
    expect(text).toMatch(/^To: ada@example\.com\nSubject: Confirm your email for /u);
    expect(findLinks(text)).toEqual([LONG_LINK]);
    expect(text).not.toContain('=3D');
  });
});
