// Choosing the adapter: SMTP when a URL is configured, the development outbox (with a warning) otherwise.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestSmtpServer } from '@authflow/testing';
import { createMailer } from './create-mailer.js';
import { captureLogger, everyMail } from './test-support/fixtures.js';

describe('createMailer', () => {
  it('sends over SMTP when AUTH_SMTP_URL is set', async () => {
    const server = await startTestSmtpServer();
    const { logger, lines } = captureLogger();
    const mailer = createMailer(
      { mail: { smtpUrl: server.url, from: 'Acme <no-reply@acme.test>', outboxDir: '.unused' } },
      logger,
    );
    try {
      await mailer.send(everyMail('ada@example.com')[0]!);
      expect(server.messages.map((mail) => mail.to)).toEqual([['ada@example.com']]);
      expect(lines.map((line) => line.level)).toEqual(['info']);
    } finally {
      await mailer.close();
      await server.close();
    }
  });

  it('falls back to the development outbox, warning that links will be logged', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'authflow-outbox-'));
    const { logger, lines } = captureLogger();
    const mailer = createMailer(
      { mail: { smtpUrl: undefined, from: 'Acme <no-reply@acme.test>', outboxDir: folder } },
      logger,
    );
    try {
      await mailer.send(everyMail('ada@example.com')[0]!);
      expect(lines[0]).toMatchObject({
        level: 'warn',
        fields: { folder },
        message: expect.stringMatching(/Never run like this in production/u),
      });
      // The message as sent (.eml) and its decoded text beside it (.txt).
      const files = await readdir(folder);
      expect(files.map((name) => name.slice(name.lastIndexOf('.'))).sort()).toEqual([
        '.eml',
        '.txt',
      ]);
    } finally {
      await mailer.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
