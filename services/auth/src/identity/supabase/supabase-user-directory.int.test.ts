import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AdminUser } from '../../admin/admin-ports.js';
import {
  startSupabaseDouble,
  type SupabaseDouble,
} from '../../../test/supabase-double/supabase-double.js';
import {
  type IdentityErrorCode,
  isIdentityError,
  type RequestContext,
} from '../identity-provider.js';
import { SupabaseIdentityProvider } from './supabase-provider.js';
import { DISABLED_BAN_DURATION, SupabaseUserDirectory } from './supabase-user-directory.js';

const context: RequestContext = { ip: '198.51.100.80', requestId: 'supabase-directory' };
const password = 'correct horse battery staple';

let double: SupabaseDouble;
let provider: SupabaseIdentityProvider;
let directory: SupabaseUserDirectory;

beforeAll(async () => {
  double = await startSupabaseDouble({ settings: { autoconfirm: false } });
  provider = new SupabaseIdentityProvider({
    url: double.url,
    anonKey: double.anonKey,
    serviceRoleKey: double.serviceRoleKey,
    timeoutMs: 2_000,
    forwardClientIp: true,
    links: {
      verifyEmail: 'http://localhost:8000/auth/email-verified',
      resetPassword: 'http://localhost:8000/auth/reset-password',
    },
    breaker: { resetTimeoutMs: 60_000, volumeThreshold: 1_000 },
  });
  directory = new SupabaseUserDirectory(provider, { clock: () => double.now().getTime() });
});
afterAll(async () => {
  await provider.close();
  await double.close();
});
beforeEach(() => {
  double.reset();
});
afterEach(() => {
  expect(double.internalErrors()).toEqual([]);
});

/** Accounts created a second apart (oldest first), as sign-ups over time would. */
function seed(...emails: string[]): string[] {
  return emails.map((email) => {
    double.advanceClock(1_000);
    return double.createUser({ email, password }).id;
  });
}

async function walk(limit: number, search?: string, between?: (page: number) => void) {
  const pages: AdminUser[][] = [];
  let cursor: string | undefined;
  do {
    const page = await directory.listUsers({ limit, cursor, search });
    pages.push([...page.users]);
    cursor = page.nextCursor ?? undefined;
    between?.(pages.length);
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

const adminRequests = (method: string) =>
  double.requests({ method }).filter(({ authPath }) => authPath?.startsWith('/admin/users'));

describe('SupabaseUserDirectory listing', () => {
  it('lists users newest first over GoTrue pages, the cursor carrying the next page', async () => {
    const ids = seed(
      'u1@example.com',
      'u2@example.com',
      'u3@example.com',
      'u4@example.com',
      'u5@example.com',
    );
    const pages = await walk(2);
    expect(pages.map((page) => page.map(({ email }) => email))).toEqual([
      ['u5@example.com', 'u4@example.com'],
      ['u3@example.com', 'u2@example.com'],
      ['u1@example.com'],
    ]);
    expect(pages[0]?.[0]).toEqual({
      id: ids[4],
      email: 'u5@example.com',
      emailVerified: true,
      roles: ['user'],
      disabled: false,
      createdAt: Date.parse(double.findUser('u5@example.com')?.created_at ?? ''),
    });
    expect(adminRequests('GET').map(({ query }) => query)).toEqual([
      { page: '1', per_page: '2' },
      { page: '2', per_page: '2' },
      { page: '3', per_page: '2' },
    ]);
    expect(adminRequests('GET')[0]?.headers.authorization).toBe(`Bearer ${double.serviceRoleKey}`);
  });

  it('ends without an empty page when the last page is full', async () => {
    seed('a@example.com', 'b@example.com', 'c@example.com', 'd@example.com');
    expect((await walk(2)).map((page) => page.length)).toEqual([2, 2]);
  });

  it('repeats a user when someone signs up between pages (Supabase pages are offsets)', async () => {
    seed('u1@example.com', 'u2@example.com', 'u3@example.com', 'u4@example.com');
    const pages = await walk(2, undefined, (page) => {
      if (page === 1) seed('late@example.com');
    });
    // Documented limitation: the last row of page 1 is pushed onto page 2.
    expect(pages.map((page) => page.map(({ email }) => email))).toEqual([
      ['u4@example.com', 'u3@example.com'],
      ['u3@example.com', 'u2@example.com'],
      ['u1@example.com'],
    ]);
  });

  it('searches addresses case-insensitively through GoTrue filter, literally, without name matches', async () => {
    seed('ada.lovelace@example.com', 'a_b@example.io', 'axb@example.io', 'grace@example.org');
    double.createUser({ email: 'named@example.net', password, data: { full_name: 'Ada Example' } });
    const emails = async (search: string) =>
      (await walk(10, search)).flat().map(({ email }) => email);
    expect(await emails('LOVELACE@Example')).toEqual(['ada.lovelace@example.com']);
    expect(adminRequests('GET').at(-1)?.query).toMatchObject({ filter: 'lovelace@example' });
    expect(await emails('A_B')).toEqual(['a_b@example.io']);
    expect(adminRequests('GET').at(-1)?.query).toMatchObject({ filter: 'a\\_b' });
    expect(await emails('%')).toEqual([]);
    // GoTrue also matches user_metadata.full_name; an address search does not.
    expect(await emails('ada')).toEqual(['ada.lovelace@example.com']);
  });

  it('refuses a bad page size or cursor before calling Supabase', async () => {
    double.clearRequests();
    expect((await refusal(directory.listUsers({ limit: 201 }))).details).toEqual({
      fields: ['limit'],
    });
    expect(
      (
        await refusal(
          directory.listUsers({
            limit: 5,
            cursor: Buffer.from('{"p":0,"n":5}').toString('base64url'),
          }),
        )
      ).details,
    ).toEqual({ fields: ['cursor'] });
    expect(double.requests()).toEqual([]);
  });

  it('answers identity_provider_unavailable when Supabase fails', async () => {
    double.injectFault({ kind: 'server-error', method: 'GET', pathPrefix: '/admin/users' });
    expect((await refusal(directory.listUsers({ limit: 5 }))).code).toBe(
      'identity_provider_unavailable',
    );
  });
});

describe('SupabaseUserDirectory accounts', () => {
  it('finds a user by id and by exact address in any case, nobody otherwise', async () => {
    const [id] = seed('kim@example.com', 'xkim@example.com', 'kim@example.com.au');
    const user = await directory.getUser(id ?? '');
    expect(user).toMatchObject({ id, email: 'kim@example.com' });
    expect(await directory.findByEmail('  KIM@example.com ')).toEqual(user);
    expect(await directory.findByEmail('im@example.com')).toBeNull();
    expect(await directory.getUser(crypto.randomUUID())).toBeNull();
    double.clearRequests();
    expect(await directory.getUser('not-a-uuid')).toBeNull();
    expect(double.requests()).toEqual([]);
  });

  it('stores roles in app_metadata, which sign-in then reads', async () => {
    const [id = ''] = seed('kim@example.com');
    const updated = await directory.setRoles(id, ['admin', 'billing:read', 'admin']);
    expect(updated).toMatchObject({ id, roles: ['admin', 'billing:read'] });
    expect(adminRequests('PUT').at(-1)?.body).toEqual({
      app_metadata: { roles: ['admin', 'billing:read'] },
    });
    expect(double.findUser('kim@example.com')?.app_metadata).toEqual({
      provider: 'email',
      providers: ['email'],
      roles: ['admin', 'billing:read'],
    });
    expect((await provider.signIn({ email: 'kim@example.com', password }, context)).roles).toEqual([
      'admin',
      'billing:read',
    ]);
    expect((await provider.getUser(id))?.roles).toEqual(['admin', 'billing:read']);
    expect((await directory.setRoles(id, []))?.roles).toEqual([]);
    expect(await directory.setRoles(crypto.randomUUID(), ['admin'])).toBeNull();
  });

  it('refuses roles that do not match the role pattern, sending nothing', async () => {
    const [id = ''] = seed('kim@example.com');
    double.clearRequests();
    expect(await refusal(directory.setRoles(id, ['Admin']))).toEqual({
      code: 'validation_failed',
      details: { fields: ['roles'] },
    });
    expect(double.requests()).toEqual([]);
  });

  it('disables with a hundred-year ban and enables by lifting it', async () => {
    const [id = ''] = seed('kim@example.com');
    expect(await directory.setDisabled(id, true)).toMatchObject({ id, disabled: true });
    expect(adminRequests('PUT').at(-1)?.body).toEqual({ ban_duration: DISABLED_BAN_DURATION });
    // GoTrue answers user_banned before checking the password: read as a wrong password.
    expect(
      (await refusal(provider.signIn({ email: 'kim@example.com', password }, context))).code,
    ).toBe('invalid_credentials');
    expect((await directory.listUsers({ limit: 5 })).users).toEqual([
      expect.objectContaining({ id, disabled: true }),
    ]);
    expect(await directory.setDisabled(id, false)).toMatchObject({ id, disabled: false });
    expect(adminRequests('PUT').at(-1)?.body).toEqual({ ban_duration: 'none' });
    expect(await provider.signIn({ email: 'kim@example.com', password }, context)).toMatchObject({
      id,
    });
    expect(await directory.setDisabled(crypto.randomUUID(), true)).toBeNull();
  });

  it('reads a ban that has run out as enabled', async () => {
    const [id = ''] = seed('kim@example.com');
    await directory.setDisabled(id, true);
    double.advanceClock(876_000 * 3_600_000 + 1_000);
    expect(await directory.getUser(id)).toMatchObject({ disabled: false });
  });

  it('deletes a user for good, answering who it was', async () => {
    const [id = ''] = seed('kim@example.com');
    const user = await directory.getUser(id);
    expect(await directory.deleteUser(id)).toEqual(user);
    expect(double.findUser('kim@example.com')).toBeUndefined();
    expect(await directory.getUser(id)).toBeNull();
    expect(await directory.deleteUser(id)).toBeNull();
    expect(await directory.deleteUser('not-a-uuid')).toBeNull();
  });
});
