import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRecordingMailer } from '../../../test/support/recording-mailer.js';
import type { AdminUser, UserListQuery } from '../../admin/admin-ports.js';
import { type IdentityErrorCode, isIdentityError } from '../identity-provider.js';
import { BuiltinIdentityProvider } from './builtin-provider.js';
import { BuiltinUserDirectory } from './builtin-user-directory.js';
import { createPgliteDatabase, type Database } from './database.js';
import { migrate } from './migrations.js';
import { createArgon2Hasher } from './password-hasher.js';
import { switchableDatabase } from './test-support/switchable-database.js';

const context = { ip: '203.0.113.70', requestId: 'directory' };
const password = 'correct horse battery staple';

let db: Database;
let directory: BuiltinUserDirectory;
let provider: BuiltinIdentityProvider;

beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  await migrate(db);
  directory = new BuiltinUserDirectory({ db });
  provider = new BuiltinIdentityProvider({
    db,
    hasher: createArgon2Hasher({ memoryKib: 1_024, iterations: 1, parallelism: 1 }, 2),
    mailer: createRecordingMailer(),
    branding: {
      appName: 'Test',
      logoUrl: undefined,
      primaryColor: '#2563eb',
      supportEmail: undefined,
      publicUrl: 'http://localhost:8000',
    },
    links: {
      verifyEmail: (token) => `http://localhost:8000/verify?token=${token}`,
      resetPassword: (token) => `http://localhost:8000/reset?token=${token}`,
      login: () => 'http://localhost:8000/auth/login',
      forgotPassword: () => 'http://localhost:8000/auth/forgot-password',
    },
    requireEmailVerification: false,
    verificationTokenTtlMs: 3_600_000,
    resetTokenTtlMs: 1_800_000,
    mailCooldownMs: 0,
    logger: { warn: () => undefined, error: () => undefined },
  });
}, 60_000);
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await db.query('delete from users');
});

/** A user row created at an exact time (microseconds kept), as concurrent sign-ups would add it. */
async function insertUser(email: string, createdAt: string, id = randomUUID()): Promise<string> {
  await db.query(
    `insert into users (id, email, password_hash, roles, password_changed_at, created_at, updated_at)
     values ($1, $2, 'not-a-hash', '{user}', $3::timestamptz, $3::timestamptz, $3::timestamptz)`,
    [id, email, createdAt],
  );
  return id;
}

const minute = (n: number): string => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();

/** Every page of a walk, calling `between` after each page (concurrent sign-ups). */
async function walk(
  query: Omit<UserListQuery, 'cursor'>,
  between: (page: number) => Promise<void> = () => Promise.resolve(),
): Promise<AdminUser[][]> {
  const pages: AdminUser[][] = [];
  let cursor: string | undefined;
  do {
    const page = await directory.listUsers({ ...query, cursor });
    pages.push([...page.users]);
    cursor = page.nextCursor ?? undefined;
    await between(pages.length);
  } while (cursor !== undefined && pages.length < 50);
  return pages;
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: IdentityErrorCode; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isIdentityError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('BuiltinUserDirectory listing', () => {
  it('lists users newest first, in pages of the asked size, each once', async () => {
    const ids: string[] = [];
    for (let n = 1; n <= 7; n += 1) ids.push(await insertUser(`user${n}@example.com`, minute(n)));
    const pages = await walk({ limit: 3 });
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map(({ id }) => id)).toEqual([...ids].reverse());
    expect(pages.flat()[0]).toEqual({
      id: ids[6],
      email: 'user7@example.com',
      emailVerified: false,
      roles: ['user'],
      disabled: false,
      createdAt: Date.parse(minute(7)),
    });
  });

  it('answers one page and no cursor when everything fits, and an empty page for no users', async () => {
    expect(await directory.listUsers({ limit: 10 })).toEqual({ users: [], nextCursor: null });
    await insertUser('only@example.com', minute(1));
    const page = await directory.listUsers({ limit: 1 });
    expect(page.users.map(({ email }) => email)).toEqual(['only@example.com']);
    expect(page.nextCursor).toBeNull();
  });

  it('skips and repeats nobody when users sign up between pages', async () => {
    const original: string[] = [];
    for (let n = 1; n <= 9; n += 1)
      original.push(await insertUser(`old${n}@example.com`, minute(n * 10)));
    const late: string[] = [];
    const pages = await walk({ limit: 2 }, async (page) => {
      if (page === 1) {
        // Newer than everything: not part of a walk that began before it.
        await insertUser(`newest${page}@example.com`, minute(1_000));
        // Between rows still ahead, and older than all: met later in the walk.
        late.push(await insertUser(`between${page}@example.com`, minute(55)));
        late.push(await insertUser(`oldest${page}@example.com`, minute(0)));
      }
      if (page === 3) late.push(await insertUser(`between${page}@example.com`, minute(25)));
    });
    const seen = pages.flat().map(({ id }) => id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of [...original, ...late]) expect(seen).toContain(id);
    const times = pages.flat().map(({ createdAt }) => createdAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('keeps rows that differ by a microsecond or share a creation time apart', async () => {
    const base = '2026-03-01T12:00:00.000';
    const ids = [
      await insertUser('a@example.com', `${base}001Z`),
      await insertUser('b@example.com', `${base}002Z`),
      await insertUser('c@example.com', `${base}002Z`),
      await insertUser('d@example.com', `${base}003Z`),
    ];
    const pages = await walk({ limit: 1 }, async (page) => {
      // A new row with the very time of the row the cursor stands on.
      if (page === 2) await insertUser('tie@example.com', `${base}002Z`);
    });
    const seen = pages.flat().map(({ id }) => id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
  });

  it('searches addresses case-insensitively, by substring, with no wildcards', async () => {
    await insertUser('Ada.Lovelace@Example.com', minute(1));
    await insertUser('grace@example.org', minute(2));
    await insertUser('a_b@example.com', minute(3));
    await insertUser('axb@example.com', minute(4));
    const emails = async (search: string) =>
      (await walk({ limit: 1, search })).flat().map(({ email }) => email);
    expect(await emails('LOVELACE@example')).toEqual(['Ada.Lovelace@Example.com']);
    expect(await emails('example.com')).toEqual([
      'axb@example.com',
      'a_b@example.com',
      'Ada.Lovelace@Example.com',
    ]);
    expect(await emails('_')).toEqual(['a_b@example.com']);
    expect(await emails('%')).toEqual([]);
    expect(await emails('  grace  ')).toEqual(['grace@example.org']);
    expect((await directory.listUsers({ limit: 10, search: '   ' })).users).toHaveLength(4);
  });

  it.each([0, 201, 1.5, Number.NaN])('refuses a page size of %s', async (limit) => {
    expect(await refusal(directory.listUsers({ limit }))).toEqual({
      code: 'validation_failed',
      details: { fields: ['limit'] },
    });
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['JSON of the wrong shape', Buffer.from('{"t":"yesterday","i":"x"}').toString('base64url')],
    ['base64 of no JSON', Buffer.from('hello').toString('base64url')],
    ['an over-long value', 'a'.repeat(600)],
  ])('refuses a cursor that is %s', async (_name, cursor) => {
    expect(await refusal(directory.listUsers({ limit: 5, cursor }))).toEqual({
      code: 'validation_failed',
      details: { fields: ['cursor'] },
    });
  });

  it('refuses a search longer than any address', async () => {
    expect(
      (await refusal(directory.listUsers({ limit: 5, search: 'x'.repeat(255) }))).details,
    ).toEqual({ fields: ['search'] });
  });
});

describe('BuiltinUserDirectory accounts', () => {
  async function signedUp(email = `${randomUUID()}@example.com`) {
    await provider.signUp({ email, password }, context);
    const user = await directory.findByEmail(email);
    if (user === null) throw new Error('sign-up created no account');
    return user;
  }

  it('finds a user by id and by address in any case, and nobody for unknown ones', async () => {
    const user = await signedUp('Mixed.Case@example.com');
    expect(user).toMatchObject({
      email: 'Mixed.Case@example.com',
      emailVerified: true,
      roles: ['user'],
    });
    expect(await directory.getUser(user.id)).toEqual(user);
    expect(await directory.findByEmail('  mixed.case@EXAMPLE.com ')).toEqual(user);
    expect(await directory.getUser(randomUUID())).toBeNull();
    expect(await directory.getUser('not-a-uuid')).toBeNull();
    expect(await directory.findByEmail('nobody@example.com')).toBeNull();
  });

  it('replaces roles, which sign-in and getUser then return', async () => {
    const user = await signedUp();
    const updated = await directory.setRoles(user.id, [
      'admin',
      'billing:read',
      'admin',
      'team.ops',
    ]);
    expect(updated).toEqual({ ...user, roles: ['admin', 'billing:read', 'team.ops'] });
    expect((await provider.getUser(user.id))?.roles).toEqual(['admin', 'billing:read', 'team.ops']);
    expect((await provider.signIn({ email: user.email, password }, context)).roles).toEqual([
      'admin',
      'billing:read',
      'team.ops',
    ]);
    expect((await directory.setRoles(user.id, []))?.roles).toEqual([]);
    expect(await directory.setRoles(randomUUID(), ['admin'])).toBeNull();
  });

  it.each([
    ['an upper-case role', ['Admin']],
    ['an empty role', ['']],
    ['a role with a space', ['two words']],
    ['a role over 64 characters', ['r'.repeat(65)]],
    ['a role starting with a dash', ['-admin']],
    ['65 roles', Array.from({ length: 65 }, (_, index) => `role-${index}`)],
  ])('refuses %s and changes nothing', async (_name, roles) => {
    const user = await signedUp();
    expect(await refusal(directory.setRoles(user.id, roles))).toEqual({
      code: 'validation_failed',
      details: { fields: ['roles'] },
    });
    expect(await directory.getUser(user.id)).toEqual(user);
  });

  it('refuses a disabled account only to someone with its password', async () => {
    const user = await signedUp();
    expect(await directory.setDisabled(user.id, true)).toEqual({ ...user, disabled: true });
    expect(await refusal(provider.signIn({ email: user.email, password }, context))).toEqual({
      code: 'account_disabled',
      details: {},
    });
    const wrong = await refusal(
      provider.signIn({ email: user.email, password: 'not it at all' }, context),
    );
    const unknown = await refusal(
      provider.signIn({ email: `${randomUUID()}@example.com`, password }, context),
    );
    expect(wrong).toEqual({ code: 'invalid_credentials', details: {} });
    expect(wrong).toEqual(unknown);
    // Still an account: listed, found, and its own again once enabled.
    expect((await directory.listUsers({ limit: 10 })).users).toContainEqual({
      ...user,
      disabled: true,
    });
    expect(await directory.setDisabled(user.id, true)).toMatchObject({ disabled: true });
    expect(await directory.setDisabled(user.id, false)).toEqual(user);
    expect(await provider.signIn({ email: user.email, password }, context)).toMatchObject({
      id: user.id,
    });
    expect(await directory.setDisabled(randomUUID(), true)).toBeNull();
  });

  it('deletes an account with its tokens, without its password', async () => {
    const user = await signedUp();
    await provider.requestPasswordReset({ email: user.email }, context);
    const tokens = () =>
      db.query<{ count: number }>(
        'select count(*)::int as count from one_time_tokens where user_id = $1',
        [user.id],
      );
    expect((await tokens()).rows[0]?.count).toBeGreaterThan(0);
    expect(await directory.deleteUser(user.id)).toEqual(user);
    expect(await directory.getUser(user.id)).toBeNull();
    expect((await tokens()).rows[0]?.count).toBe(0);
    expect((await refusal(provider.signIn({ email: user.email, password }, context))).code).toBe(
      'invalid_credentials',
    );
    expect(await directory.deleteUser(user.id)).toBeNull();
    expect(await directory.deleteUser('not-a-uuid')).toBeNull();
  });

  it('answers identity_store_unavailable while the database does not answer', async () => {
    const switchable = switchableDatabase(db);
    const offline = new BuiltinUserDirectory({
      db: switchable.db,
      unavailableRetryAfterSeconds: 7,
    });
    switchable.down();
    for (const call of [
      () => offline.listUsers({ limit: 5 }),
      () => offline.getUser(randomUUID()),
      () => offline.findByEmail('a@example.com'),
      () => offline.setRoles(randomUUID(), ['admin']),
      () => offline.setDisabled(randomUUID(), true),
      () => offline.deleteUser(randomUUID()),
    ]) {
      expect(await refusal(call())).toEqual({
        code: 'identity_store_unavailable',
        details: { retryAfterSeconds: 7 },
      });
    }
    switchable.up();
    expect(await offline.listUsers({ limit: 5 })).toEqual({ users: [], nextCursor: null });
  });
});
