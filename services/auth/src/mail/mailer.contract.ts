// The Mailer contract: every adapter runs this suite, checked against what it really produced.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BRANDING, everyMail, LONG_LINK } from './test-support/fixtures.js';
import { verificationMail } from './mail-templates.js';
import type { Mailer } from './mailer.js';

/** A message read back from the far side: the SMTP server, the outbox file. */
export interface DeliveredMail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly links: readonly string[];
}

export interface MailerHarness {
  readonly mailer: Mailer;
  /** Everything handed over so far, oldest first. */
  delivered(): Promise<readonly DeliveredMail[]>;
  close(): Promise<void>;
}

/** Bodies compared as a reader sees them: line ends and the final newline are the transport's. */
const normalise = (body: string): string => body.replace(/\r\n/gu, '\n').trimEnd();

export function describeMailerContract(
  name: string,
  makeHarness: () => Promise<MailerHarness>,
): void {
  describe(`Mailer contract: ${name}`, () => {
    let harness: MailerHarness;
    beforeEach(async () => {
      harness = await makeHarness();
    });
    afterEach(async () => {
      await harness.close();
    });

    it('hands over every kind of mail with its recipient, subject and both bodies intact', async () => {
      const sent = everyMail('ada@example.com');
      for (const message of sent) await harness.mailer.send(message);

      const delivered = await harness.delivered();
      expect(delivered).toHaveLength(sent.length);
      sent.forEach((message, index) => {
        const mail = delivered[index]!;
        expect(mail.to).toEqual([message.to]);
        expect(mail.subject).toBe(message.subject);
        expect(normalise(mail.text)).toBe(normalise(message.text));
        expect(normalise(mail.html)).toBe(normalise(message.html));
      });
    });

    it('keeps a long one-time link intact through transfer encoding', async () => {
      await harness.mailer.send(
        verificationMail(BRANDING, { to: 'ada@example.com', link: LONG_LINK, expiresInHours: 24 }),
      );

      const [mail] = await harness.delivered();
      expect(mail!.links[0]).toBe(LONG_LINK);
      expect(mail!.html).toContain(`href="${LONG_LINK.replaceAll('&', '&amp;')}"`);
    });

    it('keeps non-ASCII names in the subject and bodies', async () => {
      const branding = { ...BRANDING, appName: 'Ærøskøbing Café ✓' };
      const message = verificationMail(branding, {
        to: 'zoe@example.com',
        link: LONG_LINK,
        expiresInHours: 1,
      });
      await harness.mailer.send(message);

      const [mail] = await harness.delivered();
      expect(mail!.subject).toBe('Confirm your email for Ærøskøbing Café ✓');
      expect(mail!.text).toContain('your Ærøskøbing Café ✓ account');
      expect(mail!.html).toContain('Ærøskøbing Café ✓');
    });

    it('hands over messages sent at the same time, each once', async () => {
      const recipients = ['a@example.com', 'b@example.com', 'c@example.com'];
      await Promise.all(
        recipients.map((to) =>
          harness.mailer.send(
            verificationMail(BRANDING, { to, link: LONG_LINK, expiresInHours: 24 }),
          ),
        ),
      );

      const delivered = await harness.delivered();
      expect(delivered.flatMap((mail) => mail.to).sort()).toEqual(recipients);
    });

    it('closes, and refuses to send afterwards', async () => {
      await harness.mailer.close();
      await expect(harness.mailer.send(everyMail('ada@example.com')[0]!)).rejects.toThrow(
        /closed/u,
      );
    });
  });
}
