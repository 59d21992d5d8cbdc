// Runs the real auth service (`node services/auth/dist/main.js`) with its default (OWASP)
// Argon2id parameters, against a fresh Postgres database or PGlite, and a private Redis.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cleanEnvironment } from './gateway-process.ts';
import type { Child, ProcessGroup } from './process-group.ts';
import { assertPortFree } from './ports.ts';
import { answers, waitUntilReady } from './readiness.ts';

export interface AuthSettings {
  readonly port: number;
  readonly redisUrl: string;
  readonly handoffSecret: string;
  /** Postgres URL, or undefined for PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly outboxDir: string;
}

export interface AuthService {
  readonly url: string;
  readonly child: Child;
}

export async function startAuthService(
  group: ProcessGroup,
  repoRoot: string,
  settings: AuthSettings,
): Promise<AuthService> {
  await assertPortFree(settings.port, 'auth');
  const url = `http://127.0.0.1:${settings.port}`;
  const child = group.start(
    'auth',
    process.execPath,
    [join(repoRoot, 'services/auth/dist/main.js')],
    {
      role: 'server',
      cwd: repoRoot,
      env: {
        ...cleanEnvironment(),
        AUTH_HOST: '127.0.0.1',
        AUTH_PORT: String(settings.port),
        AUTH_PUBLIC_URL: url,
        REDIS_URL: settings.redisUrl,
        AUTHFLOW_HANDOFF_SECRET: settings.handoffSecret,
        AUTHFLOW_COOKIE_SECURE: 'false',
        AUTH_LOG_LEVEL: 'warn',
        AUTH_OUTBOX_DIR: settings.outboxDir,
        AUTH_SHUTDOWN_DRAIN_MS: '1000',
        ...(settings.databaseUrl === undefined
          ? { AUTH_DATA_DIR: settings.dataDir }
          : {
              AUTH_DATABASE_URL: settings.databaseUrl,
              // Required with a Postgres server (second-factor secrets are encrypted with it).
              AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
            }),
      },
    },
  );
  await waitUntilReady(child, answers(`${url}/health/ready`), 60_000);
  return { url, child };
}
