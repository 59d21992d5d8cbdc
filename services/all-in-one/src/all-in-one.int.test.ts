// `npm start`'s stack, composed exactly as main.ts composes it (buildStack), on free ports and
// private folders: the README's curl story must work against it as written.
import { get } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildStack, type Stack } from './stack.js';

let folder: string;
let stack: Stack;
let base: string;
let backendUrl: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'authflow-all-in-one-'));
  const [gatewayPort, authPort, backendPort] = await Promise.all([
    getFreePort(),
    getFreePort(),
    getFreePort(),
  ]);
  base = `http://localhost:${gatewayPort}`;
  backendUrl = `http://127.0.0.1:${backendPort}`;
  stack = await buildStack({
    GATEWAY_PORT: String(gatewayPort),
    AUTH_PORT: String(authPort),
    SAMPLE_BACKEND_PORT: String(backendPort),
    GATEWAY_PUBLIC_URL: base,
    AUTH_UPSTREAM_URL: `http://127.0.0.1:${authPort}`,
    SAMPLE_BACKEND_UPSTREAM_URL: backendUrl,
    AUTH_DATA_DIR: join(folder, 'data'),
    AUTH_OUTBOX_DIR: join(folder, 'outbox'),
    GATEWAY_LOG_LEVEL: 'warn',
    AUTH_LOG_LEVEL: 'warn',
    SAMPLE_BACKEND_LOG_LEVEL: 'warn',
  });
  for (const service of stack.services)
    await service.app.listen({ host: service.host, port: service.port });
}, 60_000);
afterAll(async () => {
  await Promise.all(stack.services.map(({ app }) => app.close()));
  await stack.close();
  await rm(folder, { recursive: true, force: true });
});

describe('npm start (all-in-one)', () => {
  it('sends a visitor of /app/ to the sign-in page, as curl -i would see it', async () => {
    // node:http, not fetch: fetch announces itself as a script (Sec-Fetch-Mode: cors) and
    // rightly gets a 401 instead of a redirect.
    const { status, location } = await new Promise<{ status: number; location: string }>(
      (resolve, reject) => {
        get(`${base}/app/`, { headers: { accept: '*/*' } }, (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? '' });
        }).once('error', reject);
      },
    );
    expect(status).toBe(302);
    expect(location).toMatch(/^\/auth\/login\?next=v1\./u);
  });

  it('runs the README story: sign up, confirm from the outbox, sign in, the app, sign out', async () => {
    const origin = { 'content-type': 'application/json', origin: base };
    const account = { email: 'ada@example.com', password: 'correct horse battery' };
    const signup = await fetch(`${base}/api/v1/simple_auth/signup`, {
      method: 'POST',
      headers: origin,
      body: JSON.stringify(account),
    });
    expect(signup.status).toBe(202);

    // The mail lands in the outbox a moment after the 202.
    const outbox = join(folder, 'outbox');
    const files = await vi.waitFor(
      async () => {
        const names = await readdir(outbox).catch(() => []);
        expect(names.filter((name) => name.endsWith('.eml'))).toHaveLength(1);
        return names;
      },
      { timeout: 5_000 },
    );
    // Quoted-printable: undo soft line breaks and =3D before looking for the link.
    const eml = (await readFile(join(outbox, files[0] ?? ''), 'utf8'))
      .replace(/=\r?\n/gu, '')
      .replace(/=3D/gu, '=');
    const link = /https?:\/\/[^\s"<>]*verify-email\?token=[\w-]+/u.exec(eml)?.[0];
    expect(link?.startsWith(`${base}/api/v1/simple_auth/verify-email`)).toBe(true);
    expect((await fetch(link ?? '')).status).toBe(200);

    const signin = await fetch(`${base}/api/v1/simple_auth/signin`, {
      method: 'POST',
      headers: origin,
      body: JSON.stringify(account),
    });
    expect(signin.status).toBe(200);
    const cookie = (signin.headers.get('set-cookie') ?? '').split(';', 1)[0] ?? '';
    expect(cookie).toMatch(/^authflow_session=/u);

    const profile = await fetch(`${base}/app/api/profile`, { headers: { cookie } });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ email: account.email, roles: ['user'] });
    const sessions = await fetch(`${base}/api/v1/simple_auth/sessions`, { headers: { cookie } });
    expect(await sessions.json()).toMatchObject({
      sessions: [expect.objectContaining({ current: true })],
    });
    // The sample backend alone refuses: no assertion, no answer.
    expect((await fetch(`${backendUrl}/app/api/profile`, { headers: { cookie } })).status).toBe(
      401,
    );

    const logout = await fetch(`${base}/api/v1/simple_auth/logout`, {
      method: 'POST',
      headers: { ...origin, cookie },
      body: '{}',
    });
    expect(logout.status).toBe(204);
    const after = await fetch(`${base}/app/api/profile`, {
      headers: { cookie, accept: 'application/json' },
    });
    expect(after.status).toBe(401);
  });
});
