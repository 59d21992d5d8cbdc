// The split stack as real processes for the fault matrix: a private redis-server (optionally
// with append-only persistence), gateway, auth (PGlite by default) and sample-backend from the
// built services, a local SMTP server, and nginx when a scenario asks for the edge. Every piece
// can be killed, frozen, stopped and started again while the others keep running. The e2e
// suite starts the same stack on its shared Redis (`redisUrl`).
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  getFreePort,
  type RedisServerHandle,
  startRedisServer,
  startTestSmtpServer,
  type TestSmtpServer,
} from '@authflow/testing';
import { type EdgeHandle, startEdge } from '../../nginx/test-support/edge-harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = join(ROOT, '.artifacts', 'faults');

export const HANDOFF_SECRET = 'faults-handoff-secret-0123456789abcdef01';

interface StackOptions {
  /** A name for the log folder (`.artifacts/faults/<scenario>/`). */
  readonly scenario: string;
  /** Where the service logs (`<service>.log`) go instead of `.artifacts/faults/<scenario>/`. */
  readonly logFolder?: string;
  /** Extra environment per service, over the harness's own. */
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  readonly authEnv?: Readonly<Record<string, string>>;
  readonly backendEnv?: Readonly<Record<string, string>>;
  /**
   * A routes file (YAML) for the gateway instead of the shipped one. `${AUTH_UPSTREAM_URL}` and
   * `${SAMPLE_BACKEND_UPSTREAM_URL}` are set by the harness; add more through `gatewayEnv`.
   */
  readonly routesYaml?: string;
  /** Put the nginx edge in front of the gateway. */
  readonly edge?: boolean;
  /** Edge template values over the harness's. */
  readonly edgeValues?: Readonly<Record<string, string>>;
}

/** A stack on its own redis-server, which a scenario can break. */
export interface FaultStackOptions extends StackOptions {
  /** Redis with append-only persistence (a restart keeps the sessions). Default: none. */
  readonly redisAppendOnly?: boolean;
  readonly redisUrl?: undefined;
}

/** A stack on a Redis the caller owns (e2e's global one): not broken, and left running by `stop()`. */
export interface SharedRedisOptions extends StackOptions {
  readonly redisUrl: string;
}

export interface ServiceHandle {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly running: boolean;
  readonly pid: number | undefined;
  /** Everything the process wrote to stdout and stderr, across restarts. */
  logs(): string;
  /** The JSON log lines written so far (non-JSON lines skipped). */
  logLines(): Record<string, unknown>[];
  /** Starts the process (again) with the same environment and waits until /health/ready answers. */
  start(options?: { waitReady?: boolean }): Promise<void>;
  /** Sends a signal and waits for the exit; returns how it ended and how long that took. */
  stop(signal?: NodeJS.Signals): Promise<ServiceExit>;
  /** SIGKILL, like a crash. */
  kill(): Promise<ServiceExit>;
  /** Open file descriptors of the process (Linux /proc). */
  openFds(): Promise<number>;
}

export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
}

export interface FaultStack {
  /** What clients use: the edge when started, else the gateway. */
  readonly url: string;
  readonly gateway: ServiceHandle;
  readonly auth: ServiceHandle;
  readonly backend: ServiceHandle;
  readonly redis: RedisServerHandle;
  readonly smtp: TestSmtpServer;
  readonly edge: EdgeHandle | undefined;
  readonly scratch: string;
  stop(): Promise<void>;
}

/** The stack without a Redis of its own: no handle to break it. */
export type SharedRedisStack = Omit<FaultStack, 'redis'>;

export function startFaultStack(options: SharedRedisOptions): Promise<SharedRedisStack>;
export function startFaultStack(options: FaultStackOptions): Promise<FaultStack>;
export async function startFaultStack(
  options: FaultStackOptions | SharedRedisOptions,
): Promise<SharedRedisStack & { readonly redis?: RedisServerHandle }> {
  const logs = options.logFolder ?? join(ARTIFACTS, options.scenario);
  await mkdir(logs, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'authflow-faults-'));
  const [edgePort, gatewayPort, authPort, backendPort, smtp, redis] = await Promise.all([
    getFreePort(),
    getFreePort(),
    getFreePort(),
    getFreePort(),
    startTestSmtpServer(),
    redisFor(options, scratch),
  ]);
  const keysFile = join(scratch, 'signing-keys.json');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(
    keysFile,
    JSON.stringify({
      activeKid: 'faults',
      keys: [{ kid: 'faults', pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) }],
    }),
  );
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  const url = options.edge === true ? edgeUrl : gatewayUrl;
  const shared = { REDIS_URL: redis.url, AUTHFLOW_HANDOFF_SECRET: HANDOFF_SECRET };
  let routesFile: Record<string, string> = {};
  if (options.routesYaml !== undefined) {
    const path = join(scratch, 'routes.yaml');
    await writeFile(path, options.routesYaml);
    routesFile = { GATEWAY_ROUTES_FILE: path };
  }

  const auth = service('auth', 'services/auth/dist/main.js', authPort, logs, {
    ...shared,
    AUTH_PORT: String(authPort),
    AUTH_PUBLIC_URL: url,
    AUTHFLOW_COOKIE_SECURE: 'false',
    AUTH_TRUSTED_PROXIES: '127.0.0.1',
    AUTH_DATA_DIR: join(scratch, 'auth'),
    AUTH_SMTP_URL: smtp.url,
    AUTH_GATEWAY_JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
    AUTH_GATEWAY_ISSUER: url,
    ...options.authEnv,
  });
  const gateway = service('gateway', 'services/gateway/dist/main.js', gatewayPort, logs, {
    ...shared,
    GATEWAY_PORT: String(gatewayPort),
    GATEWAY_PUBLIC_URL: url,
    AUTHFLOW_COOKIE_SECURE: 'false',
    GATEWAY_TRUSTED_PROXIES: '127.0.0.1',
    GATEWAY_SIGNING_KEYS_FILE: keysFile,
    AUTH_UPSTREAM_URL: `http://127.0.0.1:${authPort}`,
    SAMPLE_BACKEND_UPSTREAM_URL: `http://127.0.0.1:${backendPort}`,
    ...routesFile,
    ...options.gatewayEnv,
  });
  const backend = service(
    'sample-backend',
    'services/sample-backend/dist/main.js',
    backendPort,
    logs,
    {
      SAMPLE_BACKEND_PORT: String(backendPort),
      SAMPLE_BACKEND_GATEWAY_JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
      SAMPLE_BACKEND_ASSERTION_ISSUER: url,
      SAMPLE_BACKEND_TRUSTED_PROXIES: '127.0.0.1',
      ...options.backendEnv,
    },
  );
  let edge: EdgeHandle | undefined;
  const stop = async (): Promise<void> => {
    await edge?.stop();
    await Promise.all([gateway, auth, backend].map((handle) => handle.stop('SIGTERM')));
    await Promise.all([smtp.close(), redis.server?.kill()]);
  };
  try {
    // The gateway first: auth and the backend read its JWKS.
    await gateway.start();
    await Promise.all([auth.start(), backend.start()]);
    if (options.edge === true) {
      edge = await startEdge({
        values: {
          EDGE_PORT: String(edgePort),
          AUTHFLOW_GATEWAY_ADDRESS: `127.0.0.1:${gatewayPort}`,
          EDGE_TRUSTED_LOAD_BALANCERS: '127.0.0.1',
          EDGE_RATE_AUTH: '6000r/m',
          ...options.edgeValues,
        },
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const stack = { url, gateway, auth, backend, smtp, edge, scratch, stop };
  return redis.server === undefined ? stack : { ...stack, redis: redis.server };
}

/** The caller's Redis, or a private redis-server the stack owns. */
async function redisFor(
  options: FaultStackOptions | SharedRedisOptions,
  scratch: string,
): Promise<{ readonly url: string; readonly server?: RedisServerHandle }> {
  if (options.redisUrl !== undefined) return { url: options.redisUrl };
  let appendOnly = {};
  if (options.redisAppendOnly === true) {
    const appendOnlyDir = join(scratch, 'redis');
    await mkdir(appendOnlyDir);
    appendOnly = { appendOnlyDir };
  }
  const server = await startRedisServer(appendOnly);
  return { url: server.url, server };
}

function service(
  name: string,
  entry: string,
  port: number,
  logFolder: string,
  env: Readonly<Record<string, string>>,
): ServiceHandle {
  let child: ChildProcess | undefined;
  let output = '';
  // The log file of the last exit, awaited by `stop()` so it is complete when the stack is down.
  let saved: Promise<void> = Promise.resolve();
  const url = `http://127.0.0.1:${port}`;
  const running = (): boolean =>
    child !== undefined && child.exitCode === null && child.signalCode === null;
  const handle: ServiceHandle = {
    name,
    port,
    url,
    get running() {
      return running();
    },
    get pid() {
      return running() ? child?.pid : undefined;
    },
    logs: () => output,
    logLines: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    start: async (options = {}) => {
      if (running()) throw new Error(`${name} is already running`);
      const started = spawn(process.execPath, [join(ROOT, entry)], {
        cwd: ROOT,
        // A clean environment: only what the service is given.
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      const append = (chunk: Buffer): void => {
        output += chunk.toString();
      };
      started.stdout.on('data', append);
      started.stderr.on('data', append);
      const killOnExit = (): void => void started.kill('SIGKILL');
      process.once('exit', killOnExit);
      started.once('exit', () => {
        process.off('exit', killOnExit);
        saved = writeFile(join(logFolder, `${name}.log`), output).catch(() => undefined);
      });
      if (options.waitReady !== false) await waitForReady(handle, started);
    },
    stop: async (signal = 'SIGTERM') => {
      const current = child;
      const began = Date.now();
      if (current === undefined || !running())
        return { code: current?.exitCode ?? null, signal: current?.signalCode ?? null, ms: 0 };
      const exited = new Promise<ServiceExit>((done) =>
        current.once('exit', (code, exitSignal) =>
          done({ code, signal: exitSignal, ms: Date.now() - began }),
        ),
      );
      current.kill(signal);
      const timer = setTimeout(() => current.kill('SIGKILL'), 20_000);
      const result = await exited;
      clearTimeout(timer);
      await saved;
      return result;
    },
    kill: () => handle.stop('SIGKILL'),
    openFds: async () => {
      const pid = handle.pid;
      if (pid === undefined) throw new Error(`${name} is not running`);
      const { readdir } = await import('node:fs/promises');
      return (await readdir(`/proc/${pid}/fd`)).length;
    },
  };
  return handle;
}

async function waitForReady(handle: ServiceHandle, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${handle.name} exited at start:\n${handle.logs().slice(-4_000)}`);
    const ready = await fetch(`${handle.url}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${handle.name} not ready within 60 s:\n${handle.logs().slice(-4_000)}`);
}

export interface Account {
  readonly email: string;
  readonly password: string;
  /** `name=value` of the session cookie. */
  readonly cookie: string;
  /** Headers every request of this "device" sends (same fingerprint as at sign-in). */
  readonly headers: Readonly<Record<string, string>>;
}

const DEVICE = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AuthFlowFaults/1.0',
  'accept-language': 'en-GB',
};

/** What making an account needs of a stack (the e2e split stack has it too). */
export type AccountStack = Pick<FaultStack, 'url' | 'smtp'>;

/** Signs up over the API, follows the confirmation mail and signs in: a session on one device. */
export async function signedInAccount(stack: AccountStack, label = 'user'): Promise<Account> {
  const email = `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@faults.test`;
  const password = 'correct horse battery staple 42';
  await confirmedAccount(stack, email, password);
  return signIn(stack, email, password);
}

/** Signs up over the API and follows the confirmation link from the mail; no session yet. */
export async function confirmedAccount(
  stack: AccountStack,
  email: string,
  password: string,
): Promise<void> {
  const signup = await fetch(`${stack.url}/api/v1/simple_auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.url, ...DEVICE },
    body: JSON.stringify({ email, password }),
  });
  if (signup.status !== 202) throw new Error(`signup answered ${signup.status}`);
  const mail = await stack.smtp.waitForMessage((message) => message.to.includes(email));
  const link = mail.links.find((candidate) => candidate.includes('verify-email?token='));
  if (link === undefined) throw new Error('no confirmation link in the mail');
  const confirmed = await fetch(link, { headers: { accept: 'application/json', ...DEVICE } });
  if (confirmed.status !== 200) throw new Error(`confirmation answered ${confirmed.status}`);
}

export async function signIn(
  stack: AccountStack,
  email: string,
  password: string,
): Promise<Account> {
  const response = await fetch(`${stack.url}/api/v1/simple_auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.url, ...DEVICE },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`signin answered ${response.status}`);
  const setCookie = response.headers.getSetCookie().find((line) => line.includes('session='));
  if (setCookie === undefined) throw new Error('signin set no session cookie');
  const cookie = setCookie.split(';')[0] ?? '';
  return { email, password, cookie, headers: { ...DEVICE, cookie } };
}

/** True when any Set-Cookie of the response expires the session cookie. */
export function clearsSessionCookie(response: Response): boolean {
  return response.headers
    .getSetCookie()
    .some((line) => /session=;|session=[^;]*;.*(max-age=0|expires=thu, 01 jan 1970)/iu.test(line));
}

/** Polls until `check` is true or `timeoutMs` passes; returns the milliseconds it took. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<number> {
  const began = Date.now();
  while (Date.now() - began < timeoutMs) {
    if (await check()) return Date.now() - began;
    await new Promise((done) => setTimeout(done, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
