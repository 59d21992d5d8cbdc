// The durable mail queue against a real SMTP server over TCP and the SQL outbox on PGlite: an
// outage delays mail but loses none, each mail is accepted once, refusals are given up, and
// nothing secret reaches the logs.
import { Registry, Counter } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type TestSmtpServer } from '@authflow/testing';
import { createPgliteDatabase, type Database } from '../../identity/builtin/database.js';
import { DatabaseUnavailableError } from '../../identity/builtin/database-unavailable.js';
import { migrate } from '../../identity/builtin/migrations.js';
import { closedPort } from '../../identity/builtin/test-support/silent-server.js';
import { createSmtpMailer } from '../smtp-mailer.js';
import { captureLogger, everyMail, TOKEN } from '../test-support/fixtures.js';
import { MailQueue, type MailQueueOptions } from './mail-queue.js';
import { type OutboxStore, SqlOutboxStore } from './outbox-store.js';

const FROM = 'Acme <no-reply@acme.test>';
const [verification] = everyMail('ada@example.com');

let db: Database;
beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  await migrate(db);
}, 60_000);
afterAll(() => db.close());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await db.query('delete from mail_outbox');
});

function queueTo(
  url: string,
  overrides: Partial<MailQueueOptions> = {},
): {
  queue: MailQueue;
  lines: ReturnType<typeof captureLogger>['lines'];
  depth: () => Promise<number>;
} {
  const { logger, lines } = captureLogger();
  const registry = new Registry();
  const deliveries = new Counter({
    name: 'deliveries',
    help: 'deliveries',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const transport = createSmtpMailer({ url, from: FROM, logger });
  const store = overrides.store ?? new SqlOutboxStore(db);
  const queue = new MailQueue({
    store,
    transport,
    logger,
    retry: { baseMs: 40, maxMs: 200 },
    pollIntervalMs: 50,
    maxAgeMs: 60_000,
    breakerResetMs: 200,
    metrics: { deliveries },
    ...overrides,
  });
  cleanups.push(async () => {
    await queue.stop();
    await transport.close();
  });
  // What /metrics reports as the queue's depth (counted from the store at each scrape).
  return { queue, lines, depth: () => store.depth() };
}

async function smtpOn(port?: number): Promise<TestSmtpServer> {
  const server = await startTestSmtpServer(port === undefined ? {} : { port });
  cleanups.push(() => server.close());
  return server;
}

const outboxRows = async () =>
  (
    await db.query<{ attempts: number; last_error: string | null; sent: boolean }>(
      'select attempts, last_error, sent_at is not null as sent from mail_outbox',
    )
  ).rows;

describe('mail queue', () => {
  it('keeps a mail queued through an SMTP outage and delivers it once when the server is back', async () => {
    const port = await closedPort();
    const { queue, lines, depth } = queueTo(`smtp://127.0.0.1:${port}`);
    queue.start();
    await queue.mailer.send(verification!);

    // The server is down: attempts fail, the mail waits, and the breaker opens.
    await expect.poll(() => queue.breaker.opened, { timeout: 5_000 }).toBe(true);
    expect(await depth()).toBe(1);
    const [waiting] = await outboxRows();
    expect(waiting).toMatchObject({ sent: false, last_error: 'ESOCKET' });
    expect(waiting!.attempts).toBeGreaterThanOrEqual(1);

    const server = await smtpOn(port);
    const mail = await server.waitForMessage(
      (message) => message.to.includes('ada@example.com'),
      5_000,
    );
    await expect.poll(depth, { timeout: 2_000 }).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.messages).toHaveLength(1);
    expect(mail.subject).toBe(verification!.subject);
    expect(mail.links[0]).toContain(TOKEN);
    const [row] = await outboxRows();
    expect(row).toMatchObject({ sent: true });
    // The outage was logged as the breaker's business; the mail's own lines carry no link or body.
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain('http');
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('sends a mail resent after a crash with the same Message-ID', async () => {
    const server = await smtpOn();
    const store = new SqlOutboxStore(db);
    // Marking "sent" fails once, as if the process died right after the server accepted.
    let failMarkSent = true;
    const flaky: OutboxStore = {
      ...bind(store),
      markSent: (id, now) => {
        if (!failMarkSent) return store.markSent(id, now);
        failMarkSent = false;
        return Promise.reject(new DatabaseUnavailableError('the database did not answer'));
      },
    };
    const { queue } = queueTo(server.url, { store: flaky, leaseMs: 200 });
    queue.start();
    await queue.mailer.send(verification!);
    await expect.poll(() => server.messages.length, { timeout: 5_000 }).toBe(2);
    const [first, second] = server.messages;
    expect(first!.headers.get('message-id')).toMatch(/^<[0-9a-f-]{36}@acme\.test>$/u);
    expect(second!.headers.get('message-id')).toBe(first!.headers.get('message-id'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.messages).toHaveLength(2);
  });

  it('gives up on a mail the server refuses for good, without retrying or opening the breaker', async () => {
    const server = await startTestSmtpServer({ failRecipients: ['ada@example.com'] });
    cleanups.push(() => server.close());
    const { queue, lines, depth } = queueTo(server.url);
    queue.start();
    await queue.mailer.send(verification!);
    await expect
      .poll(outboxRows, { timeout: 5_000 })
      .toEqual([{ attempts: 1, last_error: 'EENVELOPE:550', sent: false }]);
    await expect.poll(depth).toBe(0);
    expect(queue.breaker.opened).toBe(false);
    expect(lines.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({
        message: 'mail given up: it will not be sent',
        fields: expect.objectContaining({
          kind: 'verify_email',
          code: 'EENVELOPE:550',
          attempts: 1,
        }),
      }),
    ]);
  });

  it('gives up a mail still unsent after the maximum age', async () => {
    const { queue, lines } = queueTo(`smtp://127.0.0.1:${await closedPort()}`, { maxAgeMs: 100 });
    queue.start();
    await queue.mailer.send(verification!);
    await expect
      .poll(() => lines.some((line) => line.fields.reason === 'too_old'), { timeout: 5_000 })
      .toBe(true);
  });
});

/** The store's methods bound to it, to override one of them. */
function bind(store: SqlOutboxStore): OutboxStore {
  return {
    add: (message, now) => store.add(message, now),
    claimDue: (now, limit, leaseMs) => store.claimDue(now, limit, leaseMs),
    markSent: (id, now) => store.markSent(id, now),
    retryLater: (id, attempt) => store.retryLater(id, attempt),
    postpone: (id, at) => store.postpone(id, at),
    giveUp: (id, attempt) => store.giveUp(id, attempt),
    depth: () => store.depth(),
    prune: (before) => store.prune(before),
  };
}
