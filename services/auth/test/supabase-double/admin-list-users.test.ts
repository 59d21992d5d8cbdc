// GET /admin/users: offset pages newest first, filter, Link and X-Total-Count, as listUsers reads them.
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const admin = () => createSdkClient(double(), { key: 'service' });

/** Users created a second apart, oldest first. */
function seedUsers(emails: readonly string[], data: Record<string, Record<string, unknown>> = {}) {
  return emails.map((email) => {
    double().advanceClock(1_000);
    return double().createUser({ email, password: 'pw-123456', data: data[email] ?? {} });
  });
}

const listAsAdmin = (query: string) =>
  rawRequest(double(), 'GET', `/admin/users${query}`, {
    headers: {
      apikey: double().serviceRoleKey,
      authorization: `Bearer ${double().serviceRoleKey}`,
      'x-supabase-api-version': '2024-01-01',
    },
  });

describe('admin.listUsers', () => {
  it('pages newest first with page and per_page, counting every user', async () => {
    const users = seedUsers([
      'u1@example.com',
      'u2@example.com',
      'u3@example.com',
      'u4@example.com',
      'u5@example.com',
    ]);
    const first = await admin().auth.admin.listUsers({ page: 1, perPage: 2 });
    expect(first.error).toBeNull();
    expect(first.data.users.map(({ email }) => email)).toEqual([
      'u5@example.com',
      'u4@example.com',
    ]);
    expect(first.data).toMatchObject({ aud: 'authenticated', total: 5, nextPage: 2, lastPage: 3 });
    expect(first.data.users[0]).toEqual(users[4]);
    const last = await admin().auth.admin.listUsers({ page: 3, perPage: 2 });
    expect(last.data.users.map(({ email }) => email)).toEqual(['u1@example.com']);
    expect(last.data).toMatchObject({ total: 5, nextPage: null, lastPage: 3 });
    const beyond = await admin().auth.admin.listUsers({ page: 4, perPage: 2 });
    expect(beyond.data.users).toEqual([]);
    expect(double().lastRequest()?.query).toEqual({ page: '4', per_page: '2' });
  });

  it('answers Link and X-Total-Count as GoTrue writes them', async () => {
    seedUsers(['a@example.com', 'b@example.com', 'c@example.com']);
    const page = await listAsAdmin('?per_page=2');
    expect(page.status).toBe(200);
    expect(page.headers.get('link')).toBe(
      '</admin/users?page=2&per_page=2>; rel="next", </admin/users?page=2&per_page=2>; rel="last"',
    );
    expect(page.headers.get('x-total-count')).toBe('3');
    const last = await listAsAdmin('?page=2&per_page=2');
    expect(last.headers.get('link')).toBe('</admin/users?page=2&per_page=2>; rel="last"');
    expect(last.json).toMatchObject({ aud: 'authenticated', users: [{ email: 'a@example.com' }] });
  });

  it('defaults to 50 a page, reads page 0 as the first, and answers an empty project', async () => {
    const empty = await listAsAdmin('');
    expect(empty.json).toEqual({ users: [], aud: 'authenticated' });
    expect(empty.headers.get('link')).toBe('</admin/users?page=0>; rel="last"');
    expect(empty.headers.get('x-total-count')).toBe('0');
    seedUsers(Array.from({ length: 51 }, (_, index) => `many${index}@example.com`));
    const first = await listAsAdmin('?page=0');
    expect((first.json as { users: unknown[] }).users).toHaveLength(50);
    expect(first.headers.get('link')).toBe(
      '</admin/users?page=1>; rel="next", </admin/users?page=2>; rel="last"',
    );
  });

  it('filters by email with LIKE (case-sensitive, wildcards live) or by full_name ignoring case', async () => {
    seedUsers(['test1@example.com', 'test2@example.com', 'a_b@example.io', 'axb@example.io'], {
      'test2@example.com': { full_name: 'Test User' },
    });
    const emails = async (filter: string) => {
      const answer = await listAsAdmin(`?filter=${encodeURIComponent(filter)}`);
      expect(answer.status).toBe(200);
      return (answer.json as { users: { email: string }[] }).users.map(({ email }) => email);
    };
    expect(await emails('test1')).toEqual(['test1@example.com']);
    expect(await emails('user')).toEqual(['test2@example.com']);
    expect(await emails('TEST1')).toEqual([]);
    expect(await emails('a_b')).toEqual(['axb@example.io', 'a_b@example.io']);
    expect(await emails('a\\_b')).toEqual(['a_b@example.io']);
    const paged = await listAsAdmin('?filter=example&per_page=1');
    expect(paged.headers.get('x-total-count')).toBe('4');
    expect(paged.headers.get('link')).toBe(
      '</admin/users?filter=example&page=2&per_page=1>; rel="next", </admin/users?filter=example&page=4&per_page=1>; rel="last"',
    );
  });

  it('sorts oldest first on request', async () => {
    seedUsers(['old@example.com', 'new@example.com']);
    const answer = await listAsAdmin(`?sort=${encodeURIComponent('created_at asc')}`);
    expect((answer.json as { users: { email: string }[] }).users.map(({ email }) => email)).toEqual(
      ['old@example.com', 'new@example.com'],
    );
  });

  it.each([
    ['a page that is not a number', '?page=two'],
    ['a negative per_page', '?per_page=-1'],
    ['a sort on another field', '?sort=email'],
  ])('refuses %s with 400 validation_failed', async (_name, query) => {
    const answer = await listAsAdmin(query);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: 'validation_failed' });
  });

  it('refuses the anon key with 403 not_admin', async () => {
    const { data, error } = await createSdkClient(double()).auth.admin.listUsers();
    expect(data.users).toEqual([]);
    expect(error).toMatchObject({ status: 403, code: 'not_admin' });
  });
});
