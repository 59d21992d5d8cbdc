// A real auth service behind a real gateway, with a real Redis and a test SMTP server.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { type GatewayHarness, startGateway, TEST_HANDOFF_SECRET } from '@authflow/gateway/testing';
import {
  getFreePort,
  startTestSmtpServer,
  startTestUpstream,
  type TestSmtpServer,
  type TestUpstream,
} from '@authflow/testing';
import type { FastifyInstance } from 'fastify';
import { type AuthDependencies, buildAuthApp } from '../../src/app.js';
import { type AuthConfig, loadAuthConfig } from '../../src/config/load-config.js';
import { BrowserClient } from './browser-client.js';

export { TEST_HANDOFF_SECRET };

export interface Stack {
  readonly gateway: GatewayHarness;
  readonly auth: FastifyInstance;
  readonly authUrl: string;
  readonly authConfig: AuthConfig;
  readonly backend: TestUpstream;
  readonly smtp: TestSmtpServer;
  /** A browser talking to the gateway (the only entry point users have). */
  browser(profile: Readonly<Record<string, string>>): BrowserClient;
  /** A client talking to the auth service directly (as a second instance or an attacker would). */
  direct(profile: Readonly<Record<string, string>>): BrowserClient;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly redisUrl: string;
  readonly authEnv?: Readonly<Record<string, string>>;
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  readonly authDependencies?: AuthDependencies;
  /** The gateway's routes file as data (default: the shipped config/routes.yaml). */
  readonly gatewayRoutes?: unknown;
}

/**
 * The auth service's settings for Supabase Auth as identity provider, against the wire double
 * (or anything else that has its URL and keys).
 */
export function supabaseAuthEnv(supabase: {
  readonly url: string;
  readonly anonKey: string;
  readonly serviceRoleKey: string;
}): Record<string, string> {
  return {
    AUTH_IDENTITY_PROVIDER: 'supabase',
    AUTH_SUPABASE_URL: supabase.url,
    AUTH_SUPABASE_ANON_KEY: supabase.anonKey,
    AUTH_SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
    AUTH_SUPABASE_TIMEOUT_MS: '2000',
  };
}

/** Fast Argon2id for tests; production parameters are tested in the hasher's own tests. */
const FAST_ARGON2 = { AUTH_ARGON2_MEMORY_KIB: '1024', AUTH_ARGON2_ITERATIONS: '1' };

export async function startStack(options: StackOptions): Promise<Stack> {
  const [smtp, backend, gatewayPort] = await Promise.all([
    startTestSmtpServer(),
    startTestUpstream(),
    getFreePort(),
  ]);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const authConfig = loadAuthConfig({
    AUTH_PORT: '0',
    AUTH_LOG_LEVEL: 'silent',
    AUTHFLOW_COOKIE_SECURE: 'false',
    AUTH_PUBLIC_URL: gatewayUrl,
    AUTH_TRUSTED_PROXIES: '127.0.0.1',
    AUTH_DATA_DIR: await mkdtemp(join(tmpdir(), 'authflow-auth-')),
    AUTH_SMTP_URL: smtp.url,
    AUTH_GATEWAY_JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
    AUTH_GATEWAY_ISSUER: 'http://localhost:8000',
    REDIS_URL: options.redisUrl,
    AUTHFLOW_HANDOFF_SECRET: TEST_HANDOFF_SECRET,
    ...FAST_ARGON2,
    ...options.authEnv,
  });
  const auth = await buildAuthApp(authConfig, {
    collectProcessMetrics: false,
    ...options.authDependencies,
  });
  await auth.listen({ host: '127.0.0.1', port: 0 });
  const authUrl = `http://127.0.0.1:${(auth.server.address() as AddressInfo).port}`;
  const gateway = await startGateway({
    redisUrl: options.redisUrl,
    authUrl,
    backendUrl: backend.url,
    port: gatewayPort,
    env: { GATEWAY_TRUSTED_PROXIES: '127.0.0.1', ...options.gatewayEnv },
    ...(options.gatewayRoutes === undefined ? {} : { routes: options.gatewayRoutes }),
  });
  return {
    gateway,
    auth,
    authUrl,
    authConfig,
    backend,
    smtp,
    browser: (profile) => new BrowserClient(gatewayUrl, profile),
    direct: (profile) => new BrowserClient(authUrl, profile, gatewayUrl),
    close: async () => {
      await gateway.close();
      await auth.close();
      await Promise.all([smtp.close(), backend.close()]);
    },
  };
}

/** The `token` of the last link mailed to `to` with the given path. */
export async function mailedToken(smtp: TestSmtpServer, to: string, path: string): Promise<string> {
  const mail = await smtp.waitForMessage(
    (message) => message.to.includes(to) && message.links.some((link) => link.includes(path)),
  );
  const link = mail.links.find((candidate) => candidate.includes(path)) ?? '';
  return new URL(link).searchParams.get('token') ?? '';
}
