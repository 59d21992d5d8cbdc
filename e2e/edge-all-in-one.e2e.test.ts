// The README's local setup, `npm start` then `npm run start:edge`, in a real browser: the
// all-in-one stack (its own origin as the public URL) behind the real nginx edge on another
// port. Guards issue 13: every sign-up and sign-in through the edge used to be refused as
// cross-site (csrf_failed), because auth allowed only the gateway's own origin.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStack, type Stack } from '@authflow/all-in-one/stack';
import { getFreePort } from '@authflow/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeHandle, startEdge } from '../nginx/test-support/edge-harness.ts';
import { launchChromium, watchedPage } from './support/browser.ts';

let folder: string;
let stack: Stack | undefined;
let edge: EdgeHandle | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'authflow-e2e-all-in-one-'));
  const [gatewayPort, authPort, backendPort, edgePort] = await Promise.all([
    getFreePort(),
    getFreePort(),
    getFreePort(),
    getFreePort(),
  ]);
  // What `npm start` is given in a shell where `npm run start:edge` runs too: nothing about the
  // edge but EDGE_PORT (unset means 8080 for both). The public URL stays the gateway's own.
  stack = await buildStack({
    GATEWAY_PORT: String(gatewayPort),
    AUTH_PORT: String(authPort),
    SAMPLE_BACKEND_PORT: String(backendPort),
    GATEWAY_PUBLIC_URL: `http://localhost:${gatewayPort}`,
    AUTH_UPSTREAM_URL: `http://127.0.0.1:${authPort}`,
    SAMPLE_BACKEND_UPSTREAM_URL: `http://127.0.0.1:${backendPort}`,
    EDGE_PORT: String(edgePort),
    AUTH_DATA_DIR: join(folder, 'data'),
    AUTH_OUTBOX_DIR: join(folder, 'outbox'),
    GATEWAY_LOG_LEVEL: 'warn',
    AUTH_LOG_LEVEL: 'warn',
    SAMPLE_BACKEND_LOG_LEVEL: 'warn',
  });
  for (const service of stack.services)
    await service.app.listen({ host: service.host, port: service.port });
  // The edge as start:edge runs it: the template's defaults (rate limits included), pointed
  // at the all-in-one gateway.
  edge = await startEdge({
    values: { EDGE_PORT: String(edgePort), AUTHFLOW_GATEWAY_ADDRESS: `127.0.0.1:${gatewayPort}` },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await Promise.all((stack?.services ?? []).map(({ app }) => app.close()));
  await stack?.close();
  await rm(folder, { recursive: true, force: true });
});

/** The confirmation link from the newest mail in the all-in-one's outbox. */
async function confirmationLink(email: string): Promise<string> {
  const outbox = join(folder, 'outbox');
  await expect
    .poll(async () => (await readdir(outbox).catch(() => [])).some((name) => name.endsWith('.eml')))
    .toBe(true);
  for (const name of await readdir(outbox)) {
    // Quoted-printable: undo soft line breaks and =3D before looking for the link.
    const eml = (await readFile(join(outbox, name), 'utf8'))
      .replace(/=\r?\n/gu, '')
      .replace(/=3D/gu, '=');
    const link = /https?:\/\/[^\s"<>]*verify-email\?token=[\w-]+/u.exec(eml)?.[0];
    if (eml.includes(email) && link !== undefined) return link;
  }
  throw new Error(`no confirmation mail for ${email}`);
}

describe('npm start with npm run start:edge, in a real browser', () => {
  it('signs up and signs in through the edge and reaches /app/', async () => {
    if (edge === undefined || browser === undefined) throw new Error('not started');
    const email = `edge-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    const context = await browser.newContext();
    const { page, problems, screenshot } = await watchedPage(context, 'edge-all-in-one');

    await page.goto(`${edge.url}/app/`);
    expect(new URL(page.url()).pathname).toBe('/auth/login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: /sign up|create/iu }).click();
    await screenshot('after-signup');
    // Before the fix: "Request refused — The request came from another site".
    await expect.poll(() => page.textContent('h1')).toMatch(/check your email/iu);

    // The link names the public URL (the gateway's own origin); a click there confirms.
    await page.goto(await confirmationLink(email));
    expect(new URL(page.url()).pathname).toBe('/auth/email-verified');

    await page.goto(`${edge.url}/app/`);
    expect(new URL(page.url()).pathname).toBe('/auth/login');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${edge.url}/app/`);
    await expect.poll(() => page.textContent('h1')).toBe(`Hello, ${email}`);
    // In words, not the assertion's `amr` code (issue 13: "Signed in with pwd").
    await expect
      .poll(() => page.locator('dt:has-text("Signed in with") + dd').textContent())
      .toBe('a password');
    // The page's WebSocket goes through the edge too: the gateway must see the host the
    // browser addressed (X-Forwarded-Host from the edge) for the backend's same-origin check.
    await expect.poll(() => page.textContent('#echo-status')).toBe('Connected.');
    await page.getByLabel('Message').fill('through the edge');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.textContent('#echo-log')).toContain('Echo: through the edge');
    await screenshot('app-home');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot('app-home-dark');
    expect(problems).toEqual([]);
    await context.close();
  });
});
