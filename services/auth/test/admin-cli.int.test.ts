// The admin CLI as an operator uses it, on the data folder a fresh `npm start` leaves (PGlite in
// AUTH_DATA_DIR, sessions in the process's memory), then with a private Redis: the first admin,
// listings, sessions, the audit trail, exit codes.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createRedisClient,
  MemorySessionStore,
  RedisSessionStore,
  type SessionRecord,
} from '@authflow/sessions';
import { runMainFromSource } from '@authflow/service-runtime/testing';
import {
  deviceLabelOf,
  fingerprintOf,
  firefoxOnLinux,
  getFreePort,
  type RedisServerHandle,
  startRedisServer,
} from '@authflow/testing';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuthApp } from '../src/app.js';
import {
  type AdminContextOpener,
  openAdminContext,
  type OpenedContext,
} from '../src/cli/admin-context.js';
import { runAdminCli } from '../src/cli/admin-program.js';
import type { CliIo } from '../src/cli/cli-io.js';
import { loadAuthConfig } from '../src/config/load-config.js';
import { startSupabaseDouble } from './supabase-double/supabase-double.js';

const CLI_ENTRY = fileURLToPath(new URL('../src/cli/admin.ts', import.meta.url));
const PASSWORD = 'correct horse battery staple';
const FIRST = 'first@example.com';
const SECOND = 'second@example.com';
const THIRD = 'third@example.com';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dataDir: string;
/** Auth's environment as `npm start` sets it (no REDIS_URL: sessions in memory). */
let env: Record<string, string>;
let redis: RedisServerHandle;
let redisClient: Redis;
let sessions: RedisSessionStore;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'authflow-admin-cli-'));
  env = {
    AUTH_DATA_DIR: join(dataDir, 'auth'),
    AUTH_OUTBOX_DIR: join(dataDir, 'outbox'),
    AUTHFLOW_COOKIE_SECURE: 'false',
    AUTH_LOG_LEVEL: 'silent',
    AUTH_ARGON2_MEMORY_KIB: '1024',
    AUTH_ARGON2_ITERATIONS: '1',
  };
  redis = await startRedisServer();
  redisClient = createRedisClient({ url: redis.url });
  sessions = new RedisSessionStore({ client: redisClient });
}, 60_000);
afterAll(async () => {
  redisClient.disconnect();
  await redis.stop();
});

/** One command line, run in this process with its output captured. */
async function cli(
  args: string[],
  options: {
    env?: Record<string, string>;
    open?: AdminContextOpener;
    io?: Partial<CliIo>;
  } = {},
): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await runAdminCli(
    args,
    {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: { ...env, ...options.env },
      osUser: 'operator',
      ...options.io,
    },
    options.open,
  );
  return { code, stdout, stderr };
}

const withRedis = () => ({ env: { REDIS_URL: redis.url } });

function json<T>(outcome: Outcome): T {
  expect(outcome.stderr).toBe('');
  expect(outcome.code).toBe(0);
  return JSON.parse(outcome.stdout) as T;
}

/** The auth service as `npm start` runs it: PGlite in AUTH_DATA_DIR, sessions in its memory. */
async function startAuthLikeNpmStart(): Promise<FastifyInstance> {
  const config = loadAuthConfig({
    ...env,
    AUTHFLOW_HANDOFF_SECRET: 'admin-cli-test-handoff-secret-0123456789abcdef',
  });
  return buildAuthApp(config, {
    sessionStore: new MemorySessionStore(),
    collectProcessMetrics: false,
  });
}

async function signUp(app: FastifyInstance, email: string): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/simple_auth/signup',
    payload: { email, password: PASSWORD },
  });
  expect(response.statusCode).toBe(202);
}

async function openSession(userId: string, email: string): Promise<SessionRecord> {
  const { session } = await sessions.create({
    userId,
    email,
    roles: [],
    provider: 'builtin',
    fingerprint: fingerprintOf(firefoxOnLinux),
    ip: '127.0.0.1',
    userAgent: firefoxOnLinux.headers['user-agent'] ?? '',
    deviceLabel: deviceLabelOf(firefoxOnLinux),
    aal: 'aal1',
  });
  return session;
}

interface UserJson {
  id: string;
  email: string;
  roles: string[];
  disabled: boolean;
}

// Each command opens PGlite and runs the migrations check: a second or so.
describe('the admin CLI on a fresh npm start data folder', { timeout: 60_000 }, () => {
  it('refuses to open the embedded database while auth holds it, and works once auth stopped', async () => {
    const app = await startAuthLikeNpmStart();
    try {
      for (const email of [FIRST, SECOND, THIRD]) await signUp(app, email);
      const refused = await cli(['users', 'list']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('is in use');
      expect(refused.stderr).toContain('Stop it first');
    } finally {
      await app.close();
    }
    const listed = await cli(['users', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^EMAIL\s+ID\s+ROLES\s+VERIFIED\s+DISABLED\s+CREATED\n/u);
    for (const email of [FIRST, SECOND, THIRD]) expect(listed.stdout).toContain(email);
  });

  it('makes the first admin without Redis, as the README says', async () => {
    const made = await cli(['users', 'roles', 'set', FIRST, 'admin']);
    expect(made.code).toBe(0);
    expect(made.stdout).toBe(`Roles of ${FIRST}: admin; 0 live sessions updated.\n`);
    expect(made.stderr).toContain('REDIS_URL is not set');
    const shown = json<{ user: UserJson }>(await cli(['users', 'show', FIRST, '--json']));
    expect(shown.user).toMatchObject({ email: FIRST, roles: ['admin'], disabled: false });
  });

  it('explains a policy for a user, against the shipped routes or another file', async () => {
    const allowed = await cli([
      'policy',
      'explain',
      '--path',
      '/api/v1/admin/users',
      '--user',
      FIRST,
    ]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('GET localhost/api/v1/admin/users');
    expect(allowed.stdout).toContain('aal2 assumed');
    expect(allowed.stdout).toContain('Decision: allow, with identity (the upstream answers)');
    expect(allowed.stdout).toMatch(/Route: +#\d+ \/api\/v1\/admin\/ -> auth \(protected, api\)/u);
    const stepUp = json<{ decision: unknown; decided_by: string; status: number }>(
      await cli([
        'policy',
        'explain',
        '--path',
        '/api/v1/admin/users',
        '--user',
        FIRST,
        '--aal',
        'aal1',
        '--json',
      ]),
    );
    expect(stepUp).toMatchObject({
      decision: { outcome: 'deny', code: 'mfa_required' },
      decided_by: 'aal',
      status: 403,
    });

    const routes = join(dataDir, 'routes.yaml');
    await writeFile(
      routes,
      [
        'roles: [admin, editor]',
        'upstreams:',
        '  docs: { url: "http://127.0.0.1:9" }',
        'routes:',
        '  - prefix: /docs/',
        '    upstream: docs',
        '    access: protected',
        '    methods: [GET, HEAD]',
        '',
      ].join('\n'),
    );
    const refused = await cli([
      'policy',
      'explain',
      '--method',
      'delete',
      '--path',
      '/docs/a',
      '--user',
      SECOND,
      '--routes',
      routes,
    ]);
    expect(refused.code).toBe(0);
    expect(refused.stdout).toContain('DELETE localhost/docs/a');
    expect(refused.stdout).toContain('Decision: deny (forbidden) (the gateway answers 403)');
    expect(refused.stdout).toMatch(/fail +methods +method DELETE is not allowed here/u);

    const unknownUser = await cli([
      'policy',
      'explain',
      '--path',
      '/',
      '--user',
      'nobody@example.com',
    ]);
    expect(unknownUser).toMatchObject({ code: 1 });
    const badFile = await cli([
      'policy',
      'explain',
      '--path',
      '/',
      '--user',
      FIRST,
      '--routes',
      join(dataDir, 'none.yaml'),
    ]);
    expect(badFile.code).toBe(1);
    expect(badFile.stderr).toContain('cannot be read');
  });

  it('lists a page at a time, the next page from the printed cursor', async () => {
    const first = await cli(['users', 'list', '--limit', '2']);
    expect(first.code).toBe(0);
    const cursor = /--cursor (\S+)\n$/u.exec(first.stdout)?.[1];
    expect(cursor).toBeDefined();
    const rest = json<{ users: UserJson[]; next_cursor: string | null }>(
      await cli(['users', 'list', '--limit', '2', '--cursor', cursor ?? '', '--json']),
    );
    expect(rest.next_cursor).toBeNull();
    const emails = [
      ...[FIRST, SECOND, THIRD].filter((email) => first.stdout.includes(email)),
      ...rest.users.map((user) => user.email),
    ];
    expect(emails.sort()).toEqual([FIRST, SECOND, THIRD]);
    const searched = json<{ users: UserJson[] }>(
      await cli(['users', 'list', '--search', 'SECOND', '--json']),
    );
    expect(searched.users.map((user) => user.email)).toEqual([SECOND]);
  });

  it('shows sessions, ends them, disables and enables, with Redis', async () => {
    const { user } = json<{ user: UserJson }>(await cli(['users', 'show', SECOND, '--json']));
    const one = await openSession(user.id, SECOND);
    await openSession(user.id, SECOND);
    const listed = await cli(['sessions', 'list', SECOND], withRedis());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+DEVICE\s+IP\s+AAL\s+CREATED\s+LAST SEEN\n/u);
    expect(listed.stdout).toContain(one.id);

    const revoked = await cli(['sessions', 'revoke', SECOND, one.id], withRedis());
    expect(revoked).toMatchObject({ code: 0, stdout: 'Ended 1 session.\n' });
    const again = await cli(['sessions', 'revoke', SECOND, one.id], withRedis());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has no live session');

    await openSession(user.id, SECOND);
    const disabled = await cli(['users', 'disable', SECOND], withRedis());
    expect(disabled).toMatchObject({
      code: 0,
      stdout: `Disabled ${SECOND}; ended 2 sessions.\n`,
    });
    expect(await sessions.listForUser(user.id)).toEqual([]);
    const enabled = json<{ user: UserJson }>(
      await cli(['users', 'enable', SECOND, '--json'], withRedis()),
    );
    expect(enabled.user.disabled).toBe(false);
  });

  it('gives an existing session its new roles at once', async () => {
    const { user } = json<{ user: UserJson }>(await cli(['users', 'show', THIRD, '--json']));
    const session = await openSession(user.id, THIRD);
    const set = json<{ updated_sessions: number }>(
      await cli(['users', 'roles', 'set', THIRD, 'editor', 'admin', '--json'], withRedis()),
    );
    expect(set.updated_sessions).toBe(1);
    expect((await sessions.find(session.id))?.roles).toEqual(['admin', 'editor']);
    const cleared = await cli(['users', 'roles', 'set', THIRD, '--none'], withRedis());
    expect(cleared.stdout).toBe(`Roles of ${THIRD}: -; 1 live session updated.\n`);
    expect((await sessions.find(session.id))?.roles).toEqual([]);
  });

  it('audits every change with the operating-system user as the actor', async () => {
    const tail = await cli(['audit', 'tail', '--user', FIRST, '--json']);
    expect(tail.code).toBe(0);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'admin.roles.set',
        actor: 'cli:operator',
        source: 'cli',
        details: expect.objectContaining({
          roles_before: ['user'],
          roles_after: ['admin'],
        }) as unknown,
      }),
    ]);
    const all = await cli(['audit', 'tail', '--type', 'admin.', '--since', '1h']);
    expect(all.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(6);
    expect(all.stdout).toMatch(/admin\.user\.disabled {2}user=\S+ {2}actor=cli:operator/u);
  });

  it('follows the audit log until stopped', async () => {
    let shared: OpenedContext | undefined;
    // One context for both commands: PGlite serves one opener at a time, even in one process.
    const open: AdminContextOpener = async (io, needs) => {
      shared ??= await openAdminContext(io, { ...needs, sessions: true });
      const context = shared;
      return { ...context, close: () => context.flush() };
    };
    const stop = new AbortController();
    let followed = '';
    const following = cli(['audit', 'tail', '--follow', '--type', 'admin.user.', '--limit', '1'], {
      ...withRedis(),
      open,
      io: {
        signal: stop.signal,
        followIntervalMs: 20,
        stdout: (text) => (followed += text),
      },
    });
    try {
      await until(() => followed !== '');
      const before = followed;
      expect(before).toContain('admin.user.enabled');
      expect((await cli(['users', 'disable', THIRD], { env: withRedis().env, open })).code).toBe(0);
      await until(() => followed.includes(`"email":"${THIRD}"`));
      expect(followed.slice(before.length)).toContain('admin.user.disabled');
    } finally {
      stop.abort();
      await following;
      await shared?.close();
    }
  });

  it('asks before deleting, and deletes with --yes', async () => {
    const declined = await cli(['users', 'delete', THIRD], {
      io: { confirm: () => Promise.resolve(false) },
    });
    expect(declined).toMatchObject({ code: 0, stderr: 'Nothing deleted.\n' });
    const deleted = await cli(['users', 'delete', THIRD, '--yes'], withRedis());
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted ${THIRD}; ended 0 sessions.\n` });
    const gone = await cli(['users', 'show', THIRD]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`authflow-admin: no user with the address ${THIRD}\n`);
  });

  it('exits 2 on a wrong command line and 1 when the work fails', async () => {
    for (const args of [
      [],
      ['users', 'frobnicate'],
      ['users', 'roles', 'set', FIRST],
      ['users', 'roles', 'set', FIRST, 'Admin!'],
      ['users', 'delete', FIRST],
      ['users', 'list', '--limit', '0'],
      ['sessions', 'revoke', FIRST],
      ['sessions', 'revoke', FIRST, 'short'],
      ['audit', 'tail', '--since', 'yesterday'],
      ['audit', 'tail', '--type', 'NOT A TYPE'],
      ['policy', 'explain', '--path', '/app/'],
      ['policy', 'explain', '--path', 'app', '--user', FIRST],
      ['policy', 'explain', '--path', '/app/', '--user', FIRST, '--aal', 'aal3'],
    ]) {
      const outcome = await cli(args);
      expect({ args, code: outcome.code }).toEqual({ args, code: 2 });
      expect(outcome.stderr).not.toBe('');
    }
    const unknown = await cli(['users', 'disable', 'nobody@example.com'], withRedis());
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'authflow-admin: no user with the address nobody@example.com\n',
    });
    const deadRedis = await cli(['sessions', 'list', FIRST], {
      env: { REDIS_URL: `redis://127.0.0.1:${await getFreePort()}` },
    });
    expect(deadRedis).toMatchObject({
      code: 1,
      stderr: 'authflow-admin: REDIS_URL: Redis did not answer within 5 s\n',
    });
    const noRedis = await cli(['sessions', 'list', FIRST]);
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toContain('REDIS_URL is not set');
    const badConfig = await cli(['users', 'list'], {
      env: { AUTH_DATABASE_CONNECT_TIMEOUT_MS: 'x' },
    });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain('AUTH_DATABASE_CONNECT_TIMEOUT_MS');
  });

  it('runs as its own process: help on stderr and exit 2 without a command', async () => {
    const outcome = await runMainFromSource(CLI_ENTRY, { env, timeoutMs: 30_000 });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('Usage: authflow-admin');
    expect(outcome.stderr).toContain('users roles set <email> admin');
  });
});

describe('the admin CLI with Supabase Auth', { timeout: 60_000 }, () => {
  it('keeps roles in app_metadata and disables with a ban', async () => {
    const double = await startSupabaseDouble();
    try {
      const email = 'supa-admin@example.com';
      double.createUser({ email, password: PASSWORD });
      const supabase = {
        env: {
          AUTH_IDENTITY_PROVIDER: 'supabase',
          AUTH_SUPABASE_URL: double.url,
          AUTH_SUPABASE_ANON_KEY: double.anonKey,
          AUTH_SUPABASE_SERVICE_ROLE_KEY: double.serviceRoleKey,
          AUTH_DATA_DIR: join(dataDir, 'supabase'),
        },
      };
      expect((await cli(['users', 'roles', 'add', email, 'admin'], supabase)).code).toBe(0);
      expect(double.findUser(email)?.app_metadata).toMatchObject({ roles: ['admin', 'user'] });
      const disabled = json<{ user: UserJson }>(
        await cli(['users', 'disable', email, '--json'], {
          env: { ...supabase.env, REDIS_URL: redis.url },
        }),
      );
      expect(disabled.user.disabled).toBe(true);
      expect(double.findUser(email)?.banned_until).toBeDefined();
      const listed = json<{ users: UserJson[] }>(await cli(['users', 'list', '--json'], supabase));
      expect(listed.users).toEqual([
        expect.objectContaining({ email, roles: ['admin', 'user'], disabled: true }),
      ]);
    } finally {
      await double.close();
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
