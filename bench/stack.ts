// The servers of a run, each started on first use and at most once: Redis, backend, gateways,
// nginx, the verifier and the express peer, plus the session pools their load carries.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  cleanEnvironment,
  type Gateway,
  newHandoffSecret,
  startGateway,
  writeRoutesFile,
  writeSigningKeysFile,
} from './gateway-process.ts';
import { findNginx, startNginx } from './nginx-process.ts';
import { ensurePackages, PEER_PACKAGES } from './peer-install.ts';
import type { Child } from './process-group.ts';
import { assertPortFree } from './ports.ts';
import { answers, listening, waitUntilReady } from './readiness.ts';
import { type RedisServer, startRedisServer } from './redis-server.ts';
import type { RunContext } from './run-context.ts';
import {
  connectRedis,
  type OpenedSession,
  openExpressSessions,
  openSessions,
  type RedisClient,
  sessionStoreOn,
} from './session-factory.ts';

export interface Service {
  readonly url: string;
  readonly port: number;
  readonly child: Child;
}

/** `b`: the A/B experiment's warm-cache gateway (--gateway-b, --gateway-b-flags). */
export type GatewayKind = 'warm' | 'nocache' | 'b';

/** Every server a run may start: their ports are all taken (and checked free) before any starts. */
export const PORT_NAMES = [
  'redis-server',
  'backend',
  'verifier',
  'express-peer',
  'bare-proxy',
  'gateway-warm',
  'gateway-b',
  'gateway-nocache',
  'nginx-proxy',
  'nginx-204',
  'nginx-auth-request',
  'nginx-edge',
  'nginx-verify',
  'gateway-revocation-a',
  'gateway-revocation-b',
  'gateway-memory',
  'gateway-memory-uncapped',
  'auth',
] as const;

export class Stack {
  readonly #context: RunContext;
  readonly #started = new Map<string, Promise<unknown>>();
  readonly handoffSecret = newHandoffSecret();
  readonly peerSecret = randomBytes(32).toString('hex');

  constructor(context: RunContext) {
    this.#context = context;
  }

  #once<T>(key: string, start: () => Promise<T>): Promise<T> {
    let started = this.#started.get(key) as Promise<T> | undefined;
    if (started === undefined) {
      started = start();
      this.#started.set(key, started);
    }
    return started;
  }

  redis(): Promise<RedisServer> {
    return this.#once('redis', async () =>
      startRedisServer(this.#context.group, await this.#context.ports.take('redis-server')),
    );
  }

  /** The harness's own Redis connection (creating sessions). */
  redisClient(): Promise<RedisClient> {
    return this.#once('redis-client', async () =>
      connectRedis((await this.redis()).url, 'bench-harness'),
    );
  }

  backend(): Promise<Service> {
    return this.#once('backend', () =>
      this.#nodeServer('backend', 'servers/backend.ts', {}, (port) => listening(port)),
    );
  }

  /** The Node ceiling: node:http in, undici Pool.dispatch out to the backend, nothing else. */
  bareProxy(): Promise<Service> {
    return this.#once('bare-proxy', async () =>
      this.#nodeServer(
        'bare-proxy',
        'servers/bare-proxy.ts',
        { BACKEND_URL: (await this.backend()).url },
        (port) => answers(`http://127.0.0.1:${port}/app/ready`),
        // Profiled with the gateways: the two profiles of one run side by side.
        this.#context.options.cpuProfile
          ? [
              '--cpu-prof',
              `--cpu-prof-dir=${join(this.#context.group.logDir, 'profiles')}`,
              '--cpu-prof-name=bare-proxy.cpuprofile',
            ]
          : [],
      ),
    );
  }

  verifier(): Promise<Service> {
    return this.#once('verifier', async () =>
      this.#nodeServer(
        'verifier',
        'servers/verifier.ts',
        { REDIS_URL: (await this.redis()).url },
        (port) => listening(port),
      ),
    );
  }

  expressPeer(): Promise<Service> {
    return this.#once('express-peer', async () => {
      const peerDir = join(this.#context.benchDir, '.peer');
      await ensurePackages(peerDir, PEER_PACKAGES, (text) => this.#context.say(text));
      return this.#nodeServer(
        'express-peer',
        'servers/express-peer.ts',
        {
          REDIS_URL: (await this.redis()).url,
          BACKEND_URL: (await this.backend()).url,
          PEER_SECRET: this.peerSecret,
          PEER_DIR: peerDir,
        },
        (port) => answers(`http://127.0.0.1:${port}/app/ready`, 401),
      );
    });
  }

  routesFile(): Promise<string> {
    return this.#once('routes', async () =>
      writeRoutesFile(this.#context.workDir, (await this.backend()).port),
    );
  }

  keysFile(): Promise<string> {
    return this.#once('keys', () => writeSigningKeysFile(this.#context.workDir));
  }

  /** The gateways of the HTTP setups: default cache, cache disabled, the experiment. */
  gateway(kind: GatewayKind): Promise<Gateway> {
    const b = this.#context.options.gatewayB;
    return this.#once(`gateway-${kind}`, () =>
      this.startExtraGateway(
        `gateway-${kind}`,
        kind === 'nocache'
          ? { GATEWAY_SESSION_CACHE_TTL_MS: '0' }
          : kind === 'b'
            ? (b?.env ?? {})
            : {},
        kind === 'b' ? b : undefined,
      ),
    );
  }

  /** A further gateway process (revocation, memory check); the caller stops it. */
  async startExtraGateway(
    name: string,
    env: Readonly<Record<string, string>>,
    variant?: { readonly main: string | undefined; readonly flags: readonly string[] },
  ): Promise<Gateway> {
    const { options } = this.#context;
    const main = variant === undefined ? options.gatewayMain : variant.main;
    const [redis, routesFile, keysFile, port] = await Promise.all([
      this.redis(),
      this.routesFile(),
      this.keysFile(),
      this.#context.ports.take(name),
    ]);
    return startGateway(this.#context.group, this.#context.repoRoot, {
      name,
      port,
      redisUrl: redis.url,
      routesFile,
      keysFile,
      handoffSecret: this.handoffSecret,
      env,
      ...(this.#context.options.cpuProfile
        ? { cpuProfileDir: join(this.#context.group.logDir, 'profiles') }
        : {}),
      nodeFlags: variant?.flags ?? options.gatewayFlags,
      ...(main === undefined ? {} : { mainFile: main }),
    });
  }

  /** One nginx serving every nginx setup; its upstreams are started with it. */
  nginx(): Promise<{
    readonly child: Child;
    readonly ports: Record<'proxy' | 'noContent' | 'authRequest' | 'edge' | 'verify', number>;
  }> {
    return this.#once('nginx', async () => {
      const binary = findNginx();
      if (binary === undefined) throw new Error('nginx is not installed (apt-get install nginx)');
      const { ports } = this.#context;
      const nginxPorts = {
        proxy: await ports.take('nginx-proxy'),
        noContent: await ports.take('nginx-204'),
        authRequest: await ports.take('nginx-auth-request'),
        edge: await ports.take('nginx-edge'),
        verify: await ports.take('nginx-verify'),
      };
      const upstreams = {
        backend: await ports.take('backend'),
        gateway: await ports.take('gateway-warm'),
        verifier: await ports.take('verifier'),
      };
      const child = await startNginx(
        this.#context.group,
        binary,
        join(this.#context.workDir, 'nginx'),
        nginxPorts,
        upstreams,
      );
      return { child, ports: nginxPorts };
    });
  }

  /** Sessions for the HTTP setups (gateway, verifier), one cookie per request in turn. */
  gatewaySessions(): Promise<OpenedSession[]> {
    return this.#once('gateway-sessions', async () =>
      openSessions(
        sessionStoreOn(await this.redisClient()),
        this.#context.options.sessions,
        'pool',
      ),
    );
  }

  expressCookies(): Promise<string[]> {
    return this.#once('express-cookies', async () =>
      openExpressSessions(
        await this.redisClient(),
        this.peerSecret,
        this.#context.options.sessions,
      ),
    );
  }

  async close(): Promise<void> {
    const client = this.#started.get('redis-client') as Promise<RedisClient> | undefined;
    if (client !== undefined) await (await client).quit().catch(() => undefined);
  }

  async #nodeServer(
    name: string,
    script: string,
    env: Readonly<Record<string, string>>,
    probe: (port: number) => () => Promise<boolean>,
    nodeFlags: readonly string[] = [],
  ): Promise<Service> {
    const port = await this.#context.ports.take(name);
    await assertPortFree(port, name);
    const child = this.#context.group.start(
      name,
      process.execPath,
      [...nodeFlags, join(this.#context.benchDir, script)],
      {
        role: 'server',
        cwd: this.#context.repoRoot,
        env: { ...cleanEnvironment(), ...env, BENCH_PORT: String(port) },
      },
    );
    await waitUntilReady(child, probe(port));
    return { url: `http://127.0.0.1:${port}`, port, child };
  }
}
