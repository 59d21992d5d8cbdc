// Runs the real gateway (`node services/gateway/dist/main.js`, split mode) as its own process,
// with a generated routes file (protected /app/ → the backend) and a shared signing key.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Child, ProcessGroup } from './process-group.ts';
import { assertPortFree } from './ports.ts';
import { answers, waitUntilReady } from './readiness.ts';

export interface GatewaySettings {
  readonly name: string;
  readonly port: number;
  readonly redisUrl: string;
  readonly routesFile: string;
  readonly keysFile: string;
  readonly handoffSecret: string;
  /** Extra GATEWAY_* variables (cache TTL, cap). */
  readonly env?: Readonly<Record<string, string>>;
  /** When set, the gateway runs with `--cpu-prof` and writes its profile here at exit. */
  readonly cpuProfileDir?: string;
  /** More Node flags (`--trace-gc`, `--max-semi-space-size=16`, `--heap-prof`...). */
  readonly nodeFlags?: readonly string[];
  /** The entry to run; default: services/gateway/dist/main.js of the repository. */
  readonly mainFile?: string;
}

export interface Gateway {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly child: Child;
}

/** The path every setup requests: a protected route. */
export const PROTECTED_PATH = '/app/data';

/** The same backend behind a route policy (roles and methods): setup gateway-policy (issue 18). */
export const POLICY_PATH = '/members/data';

/**
 * Routes: the protected application (with WebSockets) on the benchmark backend, and the same
 * application behind a route policy (the bench's sessions all have the role `member`).
 */
export async function writeRoutesFile(folder: string, backendPort: number): Promise<string> {
  const file = join(folder, 'gateway-routes.json');
  const routes = {
    roles: ['member'],
    upstreams: {
      'bench-backend': { url: `http://127.0.0.1:${backendPort}`, connections: 128 },
    },
    routes: [
      {
        prefix: '/app/',
        upstream: 'bench-backend',
        access: 'protected',
        mode: 'api',
        websocket: true,
      },
      {
        prefix: '/members/',
        upstream: 'bench-backend',
        access: 'protected',
        mode: 'api',
        websocket: true,
        allow: { roles: ['member'] },
        methods: ['GET', 'HEAD', 'POST'],
      },
    ],
  };
  await writeFile(file, JSON.stringify(routes, null, 2));
  return file;
}

/** One ES256 key shared by every gateway of the run (no "generated key" warning, same JWKS). */
export async function writeSigningKeysFile(folder: string): Promise<string> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const file = join(folder, 'gateway-keys.json');
  await writeFile(file, JSON.stringify({ activeKid: 'bench', keys: [{ kid: 'bench', pem }] }), {
    mode: 0o600,
  });
  return file;
}

export const newHandoffSecret = (): string => randomBytes(32).toString('hex');

/** The environment without anything a developer's shell may set for the services. */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(GATEWAY_|AUTH_|AUTHFLOW_|REDIS_URL$|NODE_OPTIONS$)/u.test(name)) continue;
    env[name] = value;
  }
  env.NODE_ENV = 'production';
  return env;
}

export async function startGateway(
  group: ProcessGroup,
  repoRoot: string,
  settings: GatewaySettings,
): Promise<Gateway> {
  await assertPortFree(settings.port, settings.name);
  const child = group.start(
    settings.name,
    process.execPath,
    [
      ...(settings.cpuProfileDir === undefined
        ? []
        : [
            '--cpu-prof',
            `--cpu-prof-dir=${settings.cpuProfileDir}`,
            `--cpu-prof-name=${settings.name}.cpuprofile`,
          ]),
      ...(settings.nodeFlags ?? []),
      settings.mainFile ?? join(repoRoot, 'services/gateway/dist/main.js'),
    ],
    {
      role: 'server',
      cwd: repoRoot,
      env: {
        ...cleanEnvironment(),
        REDIS_URL: settings.redisUrl,
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(settings.port),
        AUTHFLOW_COOKIE_SECURE: 'false',
        AUTHFLOW_HANDOFF_SECRET: settings.handoffSecret,
        GATEWAY_LOG_LEVEL: 'warn',
        GATEWAY_ROUTES_FILE: settings.routesFile,
        GATEWAY_SIGNING_KEYS_FILE: settings.keysFile,
        // nginx (the edge setup) connects from loopback and sends X-Forwarded-For.
        GATEWAY_TRUSTED_PROXIES: 'loopback',
        GATEWAY_SHUTDOWN_DRAIN_MS: '1000',
        ...settings.env,
      },
    },
  );
  const url = `http://127.0.0.1:${settings.port}`;
  // Ready = Redis reachable and the revocation subscription live (the cache serves only then).
  await waitUntilReady(child, answers(`${url}/health/ready`));
  return { name: settings.name, url, port: settings.port, child };
}
