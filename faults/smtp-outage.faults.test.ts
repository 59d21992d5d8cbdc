// The mail server down while people sign up, then back on the same port: sign-up still answers
// 202, the confirmation mail waits in the durable queue (its depth is on /metrics), and once the
// server is back it arrives exactly once, with a link that works. No link reaches the logs.
import { getFreePort, startTestSmtpServer, type TestSmtpServer } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, signIn, startFaultStack, waitUntil } from './support/fault-stack.ts';

const DEVICE = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AuthFlowFaults/1.0' };

describe('the SMTP server down, then back', () => {
  let stack: FaultStack;
  let smtpPort: number;
  let smtp: TestSmtpServer | undefined;
  beforeAll(async () => {
    smtpPort = await getFreePort();
    stack = await startFaultStack({
      scenario: 'smtp-outage',
      authEnv: {
        // Nothing listens here until the test starts a server.
        AUTH_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        AUTH_MAIL_POLL_INTERVAL_MS: '200',
        AUTH_MAIL_RETRY_BASE_MS: '200',
        AUTH_MAIL_RETRY_MAX_MS: '1000',
        AUTH_BREAKER_RESET_MS: '1000',
        AUTH_ARGON2_MEMORY_KIB: '1024',
        AUTH_ARGON2_ITERATIONS: '1',
      },
    });
  });
  afterAll(async () => {
    await smtp?.close();
    await stack.stop();
  });

  async function queueDepth(): Promise<number> {
    const text = await (await fetch(`${stack.auth.url}/metrics`)).text();
    return Number(/^authflow_auth_mail_queue_depth (\d+)$/mu.exec(text)?.[1] ?? Number.NaN);
  }

  it('queues the confirmation mail through the outage and delivers it once afterwards', async () => {
    const email = `smtp-${Date.now()}@faults.test`;
    const password = 'correct horse battery staple 42';
    const signup = await fetch(`${stack.url}/api/v1/simple_auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url, ...DEVICE },
      body: JSON.stringify({ email, password }),
    });
    expect(signup.status).toBe(202);

    // The worker tries, fails and keeps the mail: the queue is not empty.
    await waitUntil(async () => (await queueDepth()) === 1, 5_000, 'queue depth 1');
    await waitUntil(
      () =>
        stack.auth
          .logLines()
          .some((line) => line.dependency === 'smtp' && line.event === 'breaker.open'),
      15_000,
      'the smtp breaker opening',
    );
    expect(await queueDepth()).toBe(1);

    smtp = await startTestSmtpServer({ port: smtpPort });
    const back = Date.now();
    const mail = await smtp.waitForMessage((message) => message.to.includes(email), 15_000);
    const deliveredMs = Date.now() - back;
    const drainedMs = await waitUntil(
      async () => (await queueDepth()) === 0,
      5_000,
      'queue depth 0',
    );
    process.stdout.write(
      `smtp outage: mail delivered ${deliveredMs} ms after the server came back; queue empty after ${drainedMs} ms more\n`,
    );
    // Nothing more comes for this address: delivered exactly once.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(smtp.messages.filter((message) => message.to.includes(email))).toHaveLength(1);

    const link = mail.links.find((candidate) => candidate.includes('verify-email?token='));
    expect(link).toBeDefined();
    const confirmed = await fetch(link ?? '', {
      headers: { accept: 'application/json', ...DEVICE },
    });
    expect(confirmed.status).toBe(200);
    await signIn(stack, email, password);

    const token = new URL(link ?? '').searchParams.get('token') ?? '';
    expect(token).not.toBe('');
    expect(stack.auth.logs()).not.toContain(token);
    const warnings = stack.auth
      .logLines()
      .filter((line) => Number(line.level) >= 40 && line.dependency === 'smtp');
    expect(warnings).toHaveLength(1);
    expect(stack.auth.logLines().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});
