// Auth learns who is calling only from a valid gateway assertion (issue 14); a cookie names a
// session only for a sign-out to end it.
import { createAssertionVerifier } from '@authflow/gateway-assertion';
import { type CreatedSession, MemorySessionStore } from '@authflow/sessions';
import { newSessionInput } from '@authflow/sessions/contract';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallerResolver } from './caller.js';
import { SignOut } from './sign-out.js';

const ISSUER = 'http://localhost:8000';
const COOKIE = 'authflow_session';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let gatewayKey: Key;
let otherKey: Key;
let store: MemorySessionStore;
let app: FastifyInstance;

beforeAll(async () => {
  const gateway = await generateKeyPair('ES256', { extractable: true });
  gatewayKey = gateway.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(gateway.publicKey)), kid: 'gw-1', alg: 'ES256' };
  store = new MemorySessionStore();
  const callers = new CallerResolver({
    store,
    verifyAssertion: createAssertionVerifier({
      issuer: ISSUER,
      audience: 'auth',
      keys: { keys: [jwk] },
    }),
    cookieName: COOKIE,
    logger: Fastify().log,
  });
  const signOut = new SignOut({ callers, store });
  app = Fastify();
  app.get('/who', async (request) => ({
    sessionId: (await callers.resolve(request))?.session.id ?? null,
  }));
  app.get('/me', async (request) => ({ sessionId: (await callers.require(request)).session.id }));
  app.post('/logout', async (request, reply) => {
    await signOut.end(request);
    return reply.code(204).send();
  });
}, 30_000);
afterAll(async () => {
  await app.close();
  await store.close();
});

/** An assertion as the gateway signs it for auth; `claims` and `key` make bad ones. */
async function assertionFor(
  { session }: CreatedSession,
  claims: Record<string, unknown> = {},
  key: Key = gatewayKey,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const base = { email: session.email, roles: session.roles, sid: session.id, amr: ['pwd'] };
  return new SignJWT({ ...base, ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'gw-1' })
    .setIssuer(ISSUER)
    .setAudience((claims.aud as string | undefined) ?? 'auth')
    .setSubject(session.userId)
    .setIssuedAt((claims.iat as number | undefined) ?? now)
    .setExpirationTime((claims.exp as number | undefined) ?? now + 60)
    .sign(key);
}

const get = (url: string, headers: Record<string, string>) =>
  app.inject({ method: 'GET', url, headers });

describe('who is calling', () => {
  it('is the session a valid assertion names', async () => {
    const created = await store.create(newSessionInput());
    const headers = { 'x-authflow-assertion': await assertionFor(created) };
    expect((await get('/me', headers)).json()).toEqual({ sessionId: created.session.id });
  });

  it('is nobody for a request with a valid session cookie and no assertion (straight to auth)', async () => {
    const created = await store.create(newSessionInput());
    const headers = { cookie: `${COOKIE}=${created.token}` };
    expect((await get('/who', headers)).json()).toEqual({ sessionId: null });
    const me = await get('/me', headers);
    expect(me.statusCode).toBe(401);
    expect(me.json()).toMatchObject({ code: 'unauthenticated' });
  });

  const past = Math.floor(Date.now() / 1000) - 300;
  it.each([
    { name: 'signed with another key', claims: {}, key: 'other' },
    { name: 'that has expired', claims: { iat: past - 60, exp: past }, key: 'gateway' },
    { name: 'for another audience', claims: { aud: 'sample-backend' }, key: 'gateway' },
  ])('refuses an assertion $name (401), whatever cookie comes with it', async ({ claims, key }) => {
    const created = await store.create(newSessionInput());
    const assertion = await assertionFor(created, claims, key === 'other' ? otherKey : gatewayKey);
    for (const path of ['/who', '/me']) {
      const answer = await get(path, {
        'x-authflow-assertion': assertion,
        cookie: `${COOKIE}=${created.token}`,
      });
      expect(answer.statusCode).toBe(401);
      expect(answer.json()).toMatchObject({ code: 'unauthenticated' });
    }
  });

  it('refuses a valid assertion whose session has ended since it was signed', async () => {
    const created = await store.create(newSessionInput());
    const assertion = await assertionFor(created);
    await store.revoke(created.session.id);
    const answer = await get('/me', { 'x-authflow-assertion': assertion });
    expect(answer.statusCode).toBe(401);
    expect(answer.json()).toMatchObject({ code: 'session_invalid' });
  });
});

describe('sign-out', () => {
  const logout = (headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/logout', headers });

  it("ends the session the assertion's sid names", async () => {
    const created = await store.create(newSessionInput());
    expect((await logout({ 'x-authflow-assertion': await assertionFor(created) })).statusCode).toBe(
      204,
    );
    expect(await store.find(created.session.id)).toBeNull();
  });

  it('ends the session the raw cookie names when there is no valid assertion (straight to auth)', async () => {
    const created = await store.create(newSessionInput());
    const forged = await assertionFor(await store.create(newSessionInput()), {}, otherKey);
    const answer = await logout({
      cookie: `theme=dark; ${COOKIE}=${created.token}`,
      'x-authflow-assertion': forged,
    });
    expect(answer.statusCode).toBe(204);
    expect(await store.find(created.session.id)).toBeNull();
  });

  it('never ends a session a forged assertion names', async () => {
    const victim = await store.create(newSessionInput());
    const forged = await assertionFor(victim, {}, otherKey);
    expect((await logout({ 'x-authflow-assertion': forged })).statusCode).toBe(204);
    expect(await store.find(victim.session.id)).not.toBeNull();
  });

  it('is no error without any credential, with a malformed cookie, or twice', async () => {
    const created = await store.create(newSessionInput());
    const none: Record<string, string>[] = [{}, { cookie: `${COOKIE}=not-a-token` }];
    for (const headers of none) expect((await logout(headers)).statusCode).toBe(204);
    const cookie = { cookie: `${COOKIE}=${created.token}` };
    expect((await logout(cookie)).statusCode).toBe(204);
    expect((await logout(cookie)).statusCode).toBe(204);
  });
});
