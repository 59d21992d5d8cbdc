// AdminService on real stores: the built-in directory and the audit log on PGlite, sessions in
// the in-memory store (the Redis one is covered by the API story). Every change is audited.
import { randomUUID } from 'node:crypto';
import { createRedisClient, MemorySessionStore, RedisSessionStore } from '@authflow/sessions';
import { deviceLabelOf, fingerprintOf, firefoxOnLinux, getFreePort } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditWriter } from '../audit/audit-writer.js';
import { SqlAuditStore } from '../audit/sql-audit-store.js';
import { BuiltinUserDirectory } from '../identity/builtin/builtin-user-directory.js';
import { createPgliteDatabase, type Database } from '../identity/builtin/database.js';
import { migrate } from '../identity/builtin/migrations.js';
import type { AuditEvent } from './admin-ports.js';
import { type AdminActor, AdminService, PolicyExplainUnavailableError } from './admin-service.js';
import { DEFAULT_ROUTES_FILE, loadPolicyExplainer } from './policy-explainer.js';

const ADMIN: AdminActor = {
  id: 'admin-user-id',
  email: 'boss@example.com',
  ip: '203.0.113.9',
  requestId: 'req-1',
  source: 'auth',
};

let db: Database;
let store: MemorySessionStore;
let writer: AuditWriter;
let audit: SqlAuditStore;
let directory: BuiltinUserDirectory;
let service: AdminService;

beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  await migrate(db);
  store = new MemorySessionStore();
  audit = new SqlAuditStore(db);
  writer = new AuditWriter({ store: audit, logger: silentLogger });
  directory = new BuiltinUserDirectory({ db });
  service = new AdminService({ directory, store, audit: writer, auditLog: audit });
}, 60_000);
afterAll(async () => {
  await writer.close();
  await store.close();
  await db.close();
});

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

async function user(label: string, roles: string[] = []): Promise<{ id: string; email: string }> {
  const id = randomUUID();
  const email = `${label}-${id.slice(0, 8)}@example.com`;
  await db.query(
    `insert into users (id, email, password_hash, roles, email_verified_at, password_changed_at,
                        created_at, updated_at)
     values ($1, $2, 'not-a-hash', $3, now(), now(), now(), now())`,
    [id, email, roles],
  );
  return { id, email };
}

async function signedIn(account: { id: string; email: string }, roles: string[] = []) {
  const { session } = await store.create({
    userId: account.id,
    email: account.email,
    roles,
    provider: 'builtin',
    fingerprint: fingerprintOf(firefoxOnLinux),
    ip: '127.0.0.1',
    userAgent: firefoxOnLinux.headers['user-agent'] ?? '',
    deviceLabel: deviceLabelOf(firefoxOnLinux),
    aal: 'aal1',
  });
  return session;
}

async function eventsOf(userId: string): Promise<AuditEvent[]> {
  await writer.flush();
  return (await service.queryAudit({ userId, limit: 50 })).events;
}

describe('AdminService', () => {
  it('sets roles on the user and on every live session, and audits before and after', async () => {
    const member = await user('member', ['member']);
    const [first, second] = [
      await signedIn(member, ['member']),
      await signedIn(member, ['member']),
    ];
    const changed = await service.setRoles(ADMIN, member.id, ['member', 'admin', 'admin']);
    expect(changed?.user.roles).toEqual(['admin', 'member']);
    expect(changed?.sessions).toBe(2);
    expect((await store.find(first.id))?.roles).toEqual(['admin', 'member']);
    expect((await store.find(second.id))?.roles).toEqual(['admin', 'member']);
    const [event] = await eventsOf(member.id);
    expect(event).toMatchObject({
      type: 'admin.roles.set',
      userId: member.id,
      actor: ADMIN.id,
      ip: ADMIN.ip,
      requestId: ADMIN.requestId,
      source: 'auth',
      details: {
        roles_before: ['member'],
        roles_after: ['admin', 'member'],
        sessions: 2,
        actor_email: ADMIN.email,
      },
    });
  });

  it('refuses roles a session could not hold before changing anything', async () => {
    const member = await user('bad-roles', ['member']);
    await expect(service.setRoles(ADMIN, member.id, ['Admin'])).rejects.toThrow(RangeError);
    expect((await service.getUser(member.id))?.roles).toEqual(['member']);
    expect(await eventsOf(member.id)).toEqual([]);
  });

  it('disables with every session ended at once, and enables again', async () => {
    const member = await user('disabled');
    const sessions = [await signedIn(member), await signedIn(member), await signedIn(member)];
    const changed = await service.disable(ADMIN, member.id);
    expect(changed).toMatchObject({ user: { disabled: true }, sessions: 3 });
    for (const session of sessions) expect(await store.find(session.id)).toBeNull();
    expect((await service.enable(ADMIN, member.id))?.disabled).toBe(false);
    const types = (await eventsOf(member.id)).map((event) => event.type);
    expect(types).toEqual(['admin.user.enabled', 'admin.user.disabled']);
  });

  it('deletes the account with its sessions', async () => {
    const member = await user('deleted');
    const session = await signedIn(member);
    const deleted = await service.deleteUser(ADMIN, member.id);
    expect(deleted).toMatchObject({ user: { id: member.id }, sessions: 1 });
    expect(await store.find(session.id)).toBeNull();
    expect(await service.getUser(member.id)).toBeNull();
    // The events outlive the account.
    const [event] = await eventsOf(member.id);
    expect(event).toMatchObject({
      type: 'admin.user.deleted',
      details: { email: member.email, sessions_revoked: 1 },
    });
  });

  it('revokes one session of the user only, and all of them', async () => {
    const member = await user('sessions');
    const other = await user('other');
    const [mine, alsoMine] = [await signedIn(member), await signedIn(member)];
    const theirs = await signedIn(other);
    expect(await service.revokeSession(ADMIN, member.id, theirs.id)).toBe(false);
    expect(await store.find(theirs.id)).not.toBeNull();
    expect(await service.revokeSession(ADMIN, member.id, mine.id)).toBe(true);
    expect((await service.listSessions(member.id))?.map((session) => session.id)).toEqual([
      alsoMine.id,
    ]);
    expect(await service.revokeAllSessions(ADMIN, member.id)).toEqual([alsoMine.id]);
    const events = await eventsOf(member.id);
    expect(events.map((event) => [event.type, event.sessionId, event.details.scope])).toEqual([
      ['admin.session.revoked', null, 'all'],
      ['admin.session.revoked', mine.id, 'one'],
    ]);
    expect(await eventsOf(other.id)).toEqual([]);
  });

  it('answers null for an unknown user, and audits nothing', async () => {
    const unknown = randomUUID();
    expect(await service.setRoles(ADMIN, unknown, ['admin'])).toBeNull();
    expect(await service.disable(ADMIN, unknown)).toBeNull();
    expect(await service.enable(ADMIN, unknown)).toBeNull();
    expect(await service.deleteUser(ADMIN, unknown)).toBeNull();
    expect(await service.listSessions(unknown)).toBeNull();
    expect(await service.revokeAllSessions(ADMIN, unknown)).toBeNull();
    expect(await service.getUser('not-a-uuid')).toBeNull();
    expect(await service.findUserByEmail('nobody@example.com')).toBeNull();
    expect(await eventsOf(unknown)).toEqual([]);
  });

  it('audits a role change whose sessions could not be reached, then says so', async () => {
    const client = createRedisClient({ url: `redis://127.0.0.1:${await getFreePort()}` });
    const deadStore = new RedisSessionStore({ client });
    const withDeadRedis = new AdminService({
      directory,
      store: deadStore,
      audit: writer,
      auditLog: audit,
    });
    const member = await user('redis-down');
    try {
      await expect(withDeadRedis.setRoles(ADMIN, member.id, ['admin'])).rejects.toThrow();
    } finally {
      client.disconnect();
    }
    expect((await service.getUser(member.id))?.roles).toEqual(['admin']);
    const [event] = await eventsOf(member.id);
    expect(event?.details).toMatchObject({ roles_after: ['admin'], sessions_failed: {} });
    expect(event?.details.sessions).toBeUndefined();
  });

  it('explains with the user as they are, assuming aal2 unless told', async () => {
    const member = await user('explain', ['member']);
    const explaining = new AdminService({
      directory,
      store,
      audit: writer,
      auditLog: audit,
      explainer: await loadPolicyExplainer(DEFAULT_ROUTES_FILE, {}, 'localhost:8000'),
    });
    const request = { method: 'GET', path: '/api/v1/admin/users' };
    const asMember = await explaining.explain(request, member.email);
    expect(asMember).toMatchObject({ aal: 'aal2', aalAssumed: true });
    expect(asMember?.explanation).toMatchObject({
      decision: { outcome: 'deny', code: 'forbidden' },
      decidedBy: 'roles',
      status: 403,
    });
    await service.setRoles(ADMIN, member.id, ['admin']);
    expect((await explaining.explain(request, member.email))?.explanation.decision).toEqual({
      outcome: 'allow',
      identity: true,
    });
    const atAal1 = await explaining.explain(request, member.email, 'aal1');
    expect(atAal1).toMatchObject({ aal: 'aal1', aalAssumed: false });
    expect(atAal1?.explanation).toMatchObject({
      decision: { outcome: 'deny', code: 'mfa_required' },
      decidedBy: 'aal',
    });
    expect(await explaining.explain(request, 'nobody@example.com')).toBeNull();
    await expect(service.explain(request, member.email)).rejects.toThrow(
      PolicyExplainUnavailableError,
    );
  });
});
