// Opens what an admin command works on, from auth's own environment: auth's database (migrated)
// with the user directory and the audit log, Redis for sessions, and the gateway's routes for
// `policy explain`. Closed again when the command is done.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createLogger } from '@authflow/observability';
import {
  createRedisClient,
  MemorySessionStore,
  RedisSessionStore,
  type SessionStore,
  waitForRedis,
} from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { AdminService, type AdminActor } from '../admin/admin-service.js';
import { DEFAULT_ROUTES_FILE, loadPolicyExplainer } from '../admin/policy-explainer.js';
import { SqlAuditStore } from '../audit/sql-audit-store.js';
import { type AuthConfig, loadAuthConfig } from '../config/load-config.js';
import type { Database } from '../identity/builtin/database.js';
import { openIdentityDatabase } from '../identity/create-identity-provider.js';
import { BufferedAuditSink } from './buffered-audit-sink.js';
import { CliError, type CliIo } from './cli-io.js';
import { openUserDirectory } from './user-directory.js';

export interface AdminContext {
  readonly service: AdminService;
  /** The audit log's actor for this run: `cli:<os user>`. */
  readonly actor: AdminActor;
  /** `redis`; `none` without REDIS_URL (the all-in-one `npm start` keeps sessions in its memory). */
  readonly sessions: 'redis' | 'none';
  readonly config: AuthConfig;
}

export interface ContextNeeds {
  /** The command reads or changes sessions: Redis must answer. */
  readonly sessions?: boolean;
  /**
   * `policy explain`: explain against this routes file (`--routes`; `null`: the default one:
   * AUTH_ROUTES_FILE, else GATEWAY_ROUTES_FILE, else the gateway's shipped file).
   */
  readonly routesFile?: string | null | undefined;
}

export interface OpenedContext extends AdminContext {
  /** Stores the audit events recorded so far (a failure to store them is a CliError). */
  flush(): Promise<void>;
  /** Stores the run's audit events, then closes everything opened. */
  close(): Promise<void>;
}

export type AdminContextOpener = (io: CliIo, needs: ContextNeeds) => Promise<OpenedContext>;

/** How long Redis gets to answer before the command gives up. */
const REDIS_WAIT_MS = 5_000;

/**
 * Runs `work` on an opened context and closes it whatever happens; the audit events of the run
 * are stored before the database closes.
 */
export async function withAdminContext<T>(
  io: CliIo,
  open: AdminContextOpener,
  needs: ContextNeeds,
  work: (context: AdminContext) => Promise<T>,
): Promise<T> {
  const context = await open(io, needs);
  let result: T;
  try {
    result = await work(context);
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
  await context.close();
  return result;
}

export const openAdminContext: AdminContextOpener = async (io, needs) => {
  const config = loadAuthConfig(cliEnvironment(io.env));
  const logger = createLogger({ service: 'authflow-admin', level: 'silent' }) as FastifyBaseLogger;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const explainer =
      needs.routesFile === undefined
        ? undefined
        : await loadPolicyExplainer(
            needs.routesFile ?? routesFileOf(config, io.env),
            io.env,
            new URL(config.server.publicUrl).host,
          );
    const db = await openDatabase(config, logger);
    closers.push(() => db.close());
    const sessions = config.redis.url === undefined ? 'none' : 'redis';
    const store = needs.sessions === true ? await openSessionStore(config, closers) : emptyStore();
    const audit = new BufferedAuditSink(new SqlAuditStore(db));
    const directory = await openUserDirectory(config, db, logger);
    closers.push(() => directory.close());
    const service = new AdminService({
      directory: directory.directory,
      store,
      audit,
      auditLog: new SqlAuditStore(db),
      explainer,
    });
    return {
      service,
      actor: { id: `cli:${io.osUser}`, source: 'cli' },
      sessions,
      config,
      flush: () => audit.flush(),
      close: async () => {
        try {
          await audit.flush();
        } finally {
          await close();
        }
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
};

/** The file auth's own policy explain reads, else the one the gateway reads. */
function routesFileOf(config: AuthConfig, env: CliIo['env']): string {
  const gateways = env.GATEWAY_ROUTES_FILE;
  return (
    config.routesFile ??
    (gateways === undefined || gateways === '' ? DEFAULT_ROUTES_FILE : gateways)
  );
}

/**
 * Auth's environment, plus what the CLI never uses but auth's schema requires: the handoff
 * secret only signs sign-in redirects, so a throwaway one lets `npm run admin` work on a plain
 * shell (the all-in-one `npm start` generates its own too).
 */
function cliEnvironment(env: CliIo['env']): CliIo['env'] {
  return { AUTHFLOW_HANDOFF_SECRET: randomBytes(32).toString('hex'), ...env };
}

/**
 * Auth's database, migrated. The embedded PGlite serves one process: a second one on the same
 * folder does not fail, it silently works on its own stale copy and the two overwrite each
 * other. PGlite marks an open folder with `postmaster.pid` (removed on a clean close), so a
 * folder carrying it is refused: stop auth (or `npm start`) first.
 */
async function openDatabase(config: AuthConfig, logger: FastifyBaseLogger): Promise<Database> {
  if (config.identity.databaseUrl === undefined) {
    const folder = resolve(config.identity.dataDir, 'pglite');
    if (existsSync(resolve(folder, 'postmaster.pid')))
      throw new CliError(
        `the embedded database in ${folder} is in use (auth or npm start is running, or did not stop cleanly). ` +
          'Stop it first: PGlite serves one process at a time. If neither runs, remove its postmaster.pid. ' +
          'With AUTH_DATABASE_URL the CLI runs alongside auth.',
      );
  }
  try {
    return await openIdentityDatabase(config, logger);
  } catch (error) {
    const setting =
      config.identity.databaseUrl === undefined ? 'AUTH_DATA_DIR' : 'AUTH_DATABASE_URL';
    throw new CliError(`${setting}: the database cannot be opened (${describe(error)})`);
  }
}

async function openSessionStore(
  config: AuthConfig,
  closers: (() => Promise<void>)[],
): Promise<SessionStore> {
  if (config.redis.url === undefined) return emptyStore();
  const client: Redis = createRedisClient({
    url: config.redis.url,
    commandTimeoutMs: Math.max(config.redis.commandTimeoutMs, 2_000),
    connectionName: 'authflow-admin',
  });
  closers.push(async () => {
    await client.quit().catch(() => client.disconnect());
  });
  try {
    await waitForRedis(client, REDIS_WAIT_MS);
  } catch {
    client.disconnect();
    throw new CliError(`REDIS_URL: Redis did not answer within ${REDIS_WAIT_MS / 1_000} s`);
  }
  return new RedisSessionStore({
    client,
    policy: { idleTtlMs: config.sessions.idleTtlMs, absoluteTtlMs: config.sessions.absoluteTtlMs },
    maxSessionsPerUser: config.sessions.maxPerUser,
  });
}

/**
 * Without REDIS_URL sessions live in the memory of a running all-in-one process, which the
 * CLI cannot reach (and which must be stopped for the CLI to open PGlite: its sessions ended
 * with it). An empty store says exactly that: there is no live session to change.
 */
function emptyStore(): SessionStore {
  return new MemorySessionStore();
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
