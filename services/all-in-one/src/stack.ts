// The whole stack in one process on embedded defaults: memory sessions, PGlite, outbox mail,
// a generated signing key and handoff secret. Nothing external is needed.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { buildAuthApp, loadAuthConfig } from '@authflow/auth';
import { buildGatewayApp, generateSigningKeys, loadGatewayConfig } from '@authflow/gateway';
import { createLogger } from '@authflow/observability';
import { buildSampleBackendApp, loadSampleBackendConfig } from '@authflow/sample-backend';
import type { ServiceToRun } from '@authflow/service-runtime';
import { MemorySessionStore } from '@authflow/sessions';

export interface Stack {
  readonly services: readonly ServiceToRun[];
  readonly publicUrl: string;
  readonly outboxDir: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The edge's default listener (nginx/README.md): `npm run start:edge` without EDGE_PORT. */
const DEFAULT_EDGE_PORT = '8080';

/**
 * The origins a browser uses to reach a local `npm run start:edge`: the port of EDGE_PORT (the
 * variable start:edge reads, `8080` or `127.0.0.1:8080`) on both loopback names, since the edge
 * prints 127.0.0.1 and people type localhost.
 */
export function localEdgeOrigins(env: Env): string[] {
  const listen = env.EDGE_PORT?.trim() ?? '';
  const port = /(?:^|:)(\d{1,5})$/u.exec(listen === '' ? DEFAULT_EDGE_PORT : listen)?.[1];
  return port === undefined ? [] : [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

/**
 * Development defaults the person running `npm start` would otherwise have to type: plain-HTTP
 * cookies, one secret for the handoff, and a loopback gateway trusted by auth. Anything set in
 * the environment wins.
 *
 * Auth accepts sign-ins from the public URL's origin and from a local edge in front of the
 * gateway (`npm run start:edge`), so the README's two commands work together without a
 * GATEWAY_PUBLIC_URL change; mail links still name the public URL.
 */
export function allInOneEnvironment(env: Env): Record<string, string | undefined> {
  const publicUrl = env.GATEWAY_PUBLIC_URL ?? 'http://localhost:8000';
  const publicOrigin = URL.parse(publicUrl)?.origin;
  // A bad GATEWAY_PUBLIC_URL is left for the gateway's and auth's schemas to report.
  const allowedOrigins = new Set([
    ...(publicOrigin === undefined || publicOrigin === 'null' ? [] : [publicOrigin]),
    ...localEdgeOrigins(env),
  ]);
  return {
    AUTHFLOW_COOKIE_SECURE: 'false',
    AUTHFLOW_HANDOFF_SECRET: randomBytes(32).toString('hex'),
    GATEWAY_PUBLIC_URL: publicUrl,
    AUTH_PUBLIC_URL: publicUrl,
    AUTH_GATEWAY_ISSUER: publicUrl,
    SAMPLE_BACKEND_ASSERTION_ISSUER: publicUrl,
    AUTH_ALLOWED_ORIGINS: [...allowedOrigins].join(','),
    // The local edge is a loopback proxy: the gateway believes its X-Forwarded-* (the host the
    // browser addressed, which the backend's WebSocket origin check compares) and client IP.
    GATEWAY_TRUSTED_PROXIES: 'loopback',
    AUTH_TRUSTED_PROXIES: 'loopback',
    SAMPLE_BACKEND_TRUSTED_PROXIES: 'loopback',
    AUTH_DATA_DIR: '.data/auth',
    AUTH_OUTBOX_DIR: '.outbox',
    ...env,
  };
}

export async function buildStack(env: Env): Promise<Stack> {
  const environment = allInOneEnvironment(env);
  const gatewayConfig = await loadGatewayConfig(environment);
  const authConfig = loadAuthConfig(environment);
  const backendConfig = loadSampleBackendConfig(environment);
  // One process, one store: auth creates sessions, the gateway reads them, revocations are
  // delivered in memory. Sessions last as long as the process.
  const store = new MemorySessionStore({
    policy: {
      idleTtlMs: gatewayConfig.sessions.idleTtlMs,
      absoluteTtlMs: gatewayConfig.sessions.absoluteTtlMs,
    },
  });
  const keys = await generateSigningKeys();
  const gatewayLogger = createLogger({ service: 'gateway', level: gatewayConfig.log.level });
  // DESIGN.md §6: a generated key is for development only, and says so.
  gatewayLogger.warn(
    { kid: keys.activeKid },
    'all-in-one: signing assertions with a key generated at start (development only; it changes on every start)',
  );
  const gateway = await buildGatewayApp(gatewayConfig, {
    sessionStore: store,
    signingKeys: keys,
    logger: gatewayLogger,
  });
  const auth = await buildAuthApp(authConfig, {
    sessionStore: store,
    assertionKeys: { keys: [...keys.jwks.keys] },
    logger: createLogger({ service: 'auth', level: authConfig.log.level }),
  });
  const backend = await buildSampleBackendApp(backendConfig, {
    assertionKeys: { keys: [...keys.jwks.keys] },
    logger: createLogger({ service: 'sample-backend', level: backendConfig.log.level }),
  });
  return {
    // The names the stack's three ports and hosts are read from, for a port already in use.
    services: [
      {
        name: 'gateway',
        app: gateway,
        host: gatewayConfig.server.host,
        port: gatewayConfig.server.port,
        portSetting: 'GATEWAY_PORT',
        hostSetting: 'GATEWAY_HOST',
      },
      {
        name: 'auth',
        app: auth,
        host: authConfig.server.host,
        port: authConfig.server.port,
        portSetting: 'AUTH_PORT',
        hostSetting: 'AUTH_HOST',
      },
      {
        name: 'sample-backend',
        app: backend,
        host: backendConfig.server.host,
        port: backendConfig.server.port,
        portSetting: 'SAMPLE_BACKEND_PORT',
        hostSetting: 'SAMPLE_BACKEND_HOST',
      },
    ],
    publicUrl: gatewayConfig.server.publicUrl,
    outboxDir: resolve(authConfig.mail.outboxDir),
    dataDir: resolve(authConfig.identity.dataDir),
    close: () => store.close(),
  };
}
