// Sign-in under load: the real auth service (OWASP Argon2id) signing in distinct verified
// accounts from 20 concurrent clients, while another client asks /health/live every ~20 ms.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startAuthService, type AuthService } from './auth-process.ts';
import { BROWSER_HEADERS } from './browser-profile.ts';
import { httpCall } from './http-client.ts';
import { verificationTokens } from './outbox.ts';
import { createFreshDatabase, postgresAnswers } from './postgres-database.ts';
import { readMemoryUse, type MemoryUse } from './proc-status.ts';
import type { RunContext } from './run-context.ts';
import type { Stack } from './stack.ts';
import { type LatencySummary, summarizeLatencies } from './stats.ts';

export const HEALTH_TARGET_P99_MS = 10;
const SIGNIN_PATH = '/api/v1/simple_auth/signin';
const HEALTH_INTERVAL_MS = 20;

export interface LoginResults {
  readonly database: 'postgres' | 'pglite';
  readonly users: number;
  readonly clients: number;
  readonly seconds: number;
  readonly signIns: number;
  readonly signInsPerSecond: number;
  readonly signInLatencyMs: LatencySummary;
  /** Answers other than 200, by status. */
  readonly failures: Readonly<Record<string, number>>;
  readonly healthLatencyMs: LatencySummary;
  readonly healthFailures: number;
  readonly authMemory: MemoryUse | undefined;
  readonly userCreationSeconds: number;
}

interface Account {
  readonly email: string;
  readonly password: string;
}

export async function measureLogin(context: RunContext, stack: Stack): Promise<LoginResults> {
  const { options } = context;
  const redis = await stack.redis();
  const usePostgres = postgresAnswers(options.postgresUrl);
  const databaseName = `authflow_bench_${Date.now()}`;
  let databaseUrl: string | undefined;
  if (usePostgres) {
    const database = createFreshDatabase(options.postgresUrl, databaseName);
    context.atCleanup(() => database.drop());
    databaseUrl = database.url;
  } else context.say('login: no Postgres answers; the auth service uses PGlite');
  const outboxDir = join(context.workDir, 'outbox');
  await mkdir(outboxDir, { recursive: true });
  const auth = await startAuthService(context.group, context.repoRoot, {
    port: await context.ports.take('auth'),
    redisUrl: redis.url,
    handoffSecret: stack.handoffSecret,
    databaseUrl,
    dataDir: join(context.workDir, 'pglite'),
    outboxDir,
  });
  try {
    const created = performance.now();
    const accounts = await createVerifiedAccounts(context, auth, outboxDir, options.loginUsers);
    const userCreationSeconds = (performance.now() - created) / 1_000;
    context.say(
      `login: ${accounts.length} verified accounts in ${userCreationSeconds.toFixed(1)} s`,
    );
    await driveSignIns(auth, accounts, options.loginClients, options.warmupSeconds);
    const result = await driveSignIns(
      auth,
      accounts,
      options.loginClients,
      options.durationSeconds,
    );
    context.say(
      `login: ${result.signInsPerSecond.toFixed(1)} sign-ins/s; /health/live p99 ${result.healthLatencyMs.p99.toFixed(2)} ms, ` +
        `max ${result.healthLatencyMs.max.toFixed(2)} ms`,
    );
    return {
      database: usePostgres ? 'postgres' : 'pglite',
      users: accounts.length,
      clients: options.loginClients,
      ...result,
      authMemory: readMemoryUse(auth.child.pid),
      userCreationSeconds,
    };
  } finally {
    await auth.child.stop();
  }
}

const jsonHeaders = (auth: AuthService): Record<string, string> => ({
  ...BROWSER_HEADERS,
  'content-type': 'application/json',
  origin: auth.url,
});

/**
 * Accounts go through the product's own flow: sign-up over the API, then the verification link
 * the development outbox wrote. Works the same on Postgres and PGlite, and hashes each password
 * with the service's real parameters.
 */
async function createVerifiedAccounts(
  context: RunContext,
  auth: AuthService,
  outboxDir: string,
  count: number,
): Promise<Account[]> {
  const run = randomBytes(4).toString('hex');
  const accounts = Array.from({ length: count }, (_, index) => ({
    email: `bench-${run}-${index}@example.com`,
    password: `Bench-${randomBytes(9).toString('base64url')}-pass`,
  }));
  for (let start = 0; start < accounts.length; start += 4) {
    await Promise.all(
      accounts.slice(start, start + 4).map(async (account) => {
        const answer = await httpCall({
          url: `${auth.url}/api/v1/simple_auth/signup`,
          method: 'POST',
          headers: jsonHeaders(auth),
          body: JSON.stringify(account),
        });
        if (answer.status !== 202)
          throw new Error(`signup answered ${answer.status}: ${answer.body}`);
      }),
    );
  }
  const deadline = Date.now() + 30_000;
  let tokens = await verificationTokens(outboxDir);
  while (tokens.size < accounts.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    tokens = await verificationTokens(outboxDir);
  }
  for (const account of accounts) {
    const token = tokens.get(account.email);
    if (token === undefined)
      throw new Error(`no verification mail for ${account.email} in ${outboxDir}`);
    const answer = await httpCall({
      url: `${auth.url}/api/v1/simple_auth/verify-email?token=${encodeURIComponent(token)}`,
      headers: { accept: 'application/json' },
    });
    if (answer.status !== 200)
      throw new Error(`verify-email answered ${answer.status}: ${answer.body}`);
  }
  context.say(`login: ${accounts.length} accounts signed up and verified through the API`);
  return accounts;
}

async function driveSignIns(
  auth: AuthService,
  accounts: readonly Account[],
  clients: number,
  seconds: number,
): Promise<
  Omit<LoginResults, 'database' | 'users' | 'clients' | 'authMemory' | 'userCreationSeconds'>
> {
  const signInAgent = new Agent({ keepAlive: true, maxSockets: clients });
  const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const started = performance.now();
  const until = started + seconds * 1_000;
  const signInLatencies: number[] = [];
  const failures: Record<string, number> = {};
  // Client i signs in its own accounts (i, i + clients, ...) in turn: distinct accounts, right passwords.
  const signInLoop = async (client: number): Promise<void> => {
    const own = accounts.filter((_, index) => index % clients === client);
    for (let turn = 0; performance.now() < until && own.length > 0; turn += 1) {
      const account = own[turn % own.length];
      if (account === undefined) return;
      const sent = performance.now();
      const answer = await httpCall({
        url: `${auth.url}${SIGNIN_PATH}`,
        method: 'POST',
        headers: jsonHeaders(auth),
        body: JSON.stringify(account),
        agent: signInAgent,
        timeoutMs: 30_000,
      }).catch(() => ({ status: 0 }));
      if (answer.status === 200) signInLatencies.push(performance.now() - sent);
      else failures[String(answer.status)] = (failures[String(answer.status)] ?? 0) + 1;
    }
  };
  const healthLatencies: number[] = [];
  let healthFailures = 0;
  const healthLoop = async (): Promise<void> => {
    while (performance.now() < until) {
      const sent = performance.now();
      const answer = await httpCall({
        url: `${auth.url}/health/live`,
        agent: healthAgent,
        timeoutMs: 5_000,
      }).catch(() => ({ status: 0 }));
      const latency = performance.now() - sent;
      if (answer.status === 200) healthLatencies.push(latency);
      else healthFailures += 1;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, HEALTH_INTERVAL_MS - latency)),
      );
    }
  };
  await Promise.all([
    healthLoop(),
    ...Array.from({ length: clients }, (_, client) => signInLoop(client)),
  ]);
  const elapsed = (performance.now() - started) / 1_000;
  signInAgent.destroy();
  healthAgent.destroy();
  return {
    seconds: elapsed,
    signIns: signInLatencies.length,
    signInsPerSecond: signInLatencies.length / elapsed,
    signInLatencyMs: summarizeLatencies(signInLatencies),
    failures,
    healthLatencyMs: summarizeLatencies(healthLatencies),
    healthFailures,
  };
}
