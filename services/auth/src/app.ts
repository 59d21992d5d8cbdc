// Composes the auth service from its plugins, in the order a request meets them. No process concerns.
import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import formBody from '@fastify/formbody';
import { ConfigError } from '@authflow/config';
import { createClientErrorHandler, errorHandlerOptions } from '@authflow/errors';
import { type AssertionVerifier, createAssertionVerifier } from '@authflow/gateway-assertion';
import { createServiceApp } from '@authflow/service-runtime';
import { createRedisClient, RedisSessionStore, type SessionStore } from '@authflow/sessions';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import type { Redis } from 'ioredis';
import { accountRoutes } from './account/index.js';
import { simpleAuthRoutes } from './api/simple-auth.routes.js';
import type { AuthConfig } from './config/load-config.js';
import { authErrors } from './errors/auth-errors.js';
import { mapAuthError } from './errors/identity-errors.js';
import { AccountFlows } from './flows/account-flows.js';
import type { Database } from './identity/builtin/database.js';
import { createIdentityProvider } from './identity/create-identity-provider.js';
import type { PasswordHasher } from './identity/builtin/password-hasher.js';
import type { IdentityProvider } from './identity/identity-provider.js';
import { createMailer } from './mail/create-mailer.js';
import type { Mailer } from './mail/mailer.js';
import {
  createRedisBreaker,
  guardLoginThrottle,
  guardSessionStore,
} from './dependencies/guarded-session-store.js';
import {
  type BreakerWatch,
  createMailQueue,
  openBuiltinDatabase,
  watchBreaker,
  watchProviderBreaker,
} from './dependencies/open-dependencies.js';
import { AuthMetrics, METRIC_PREFIX } from './observability/auth-metrics.js';
import {
  createMemoryLoginThrottle,
  createRedisLoginThrottle,
  type LoginThrottle,
} from './security/login-throttle.js';
import { createLogger } from '@authflow/observability';
import type { AuditSink } from './admin/admin-ports.js';
import { adminRoutes } from './admin/admin.routes.js';
import { AdminService } from './admin/admin-service.js';
import { DEFAULT_ROUTES_FILE, routesFileExplainer } from './admin/policy-explainer.js';
import { userDirectoryFor } from './admin/user-directory.js';
import { mfaRoutes } from './api/mfa.routes.js';
import {
  AuditRelay,
  AuditRetention,
  AuditStreamConsumer,
  AuditWriter,
  captureAuditLogs,
  createAuditMetrics,
  SqlAuditStore,
} from './audit/index.js';
import { createFederation } from './federation/create-federation.js';
import { createMfa, deviceBindingPolicy } from './mfa/create-mfa.js';
import { mfaCookies } from './mfa/mfa-cookies.js';
import type { MfaStateStore } from './mfa/mfa-ports.js';
import { guardMfaStateStore, MemoryMfaStateStore, RedisMfaStateStore } from './mfa/state/index.js';
import { CallerResolver } from './sessions/caller.js';
import { SessionIssuer } from './sessions/session-issuer.js';
import { sessionCookies } from './sessions/session-cookies.js';
import { SignOut } from './sessions/sign-out.js';
import { pageRoutes, renderPageError } from './web/index.js';

export interface AuthDependencies {
  /** A store to share (all-in-one mode); otherwise the service connects to REDIS_URL. */
  readonly sessionStore?: SessionStore;
  /** Sign-in failure counters; shared through Redis by default, in memory with an injected store. */
  readonly throttle?: LoginThrottle;
  readonly identityProvider?: IdentityProvider;
  /**
   * The built-in store's database instead of AUTH_DATABASE_URL / PGlite (tests: one that can be
   * made to fail). It still gets the service's breaker, migrations and mail queue.
   */
  readonly database?: Database;
  /** What delivers mail (SMTP or the development outbox by default); the mail queue sits in front. */
  readonly mailer?: Mailer;
  readonly logger?: FastifyBaseLogger;
  /** The gateway's public keys, when known in-process (all-in-one); otherwise fetched from its JWKS URL. */
  readonly assertionKeys?: JSONWebKeySet;
  readonly collectProcessMetrics?: boolean;
  /** Tests: the password hasher (e.g. counting) and the identity clock (token expiry). */
  readonly passwordHasher?: PasswordHasher;
  readonly clock?: () => number;
}

export async function buildAuthApp(
  config: AuthConfig,
  dependencies: AuthDependencies = {},
): Promise<FastifyInstance> {
  // Every audit log line (`{ audit: true, event }`) is also stored in Postgres; the relay holds
  // the events logged before the database is open.
  const auditRelay = new AuditRelay();
  const app = await createServiceApp({
    service: 'auth',
    logLevel: config.log.level,
    logger: captureAuditLogs(
      dependencies.logger ?? createLogger({ service: 'auth', level: config.log.level }),
      auditRelay,
    ),
    trustedProxies: config.server.trustedProxies,
    trustedProxiesSetting: 'AUTH_TRUSTED_PROXIES',
    errors: errorHandlerOptions({
      registry: authErrors,
      badRequestCode: 'bad_request',
      validationCode: 'validation_failed',
      payloadTooLargeCode: 'payload_too_large',
      notFoundCode: 'not_found',
      internalCode: 'internal_error',
      mapError: mapAuthError,
      // Errors on the /auth/ pages are pages, not JSON.
      render: renderPageError,
    }),
    metricsPrefix: METRIC_PREFIX,
    collectProcessMetrics: dependencies.collectProcessMetrics,
    readinessTimeoutMs: 2_000,
    logRequests: false,
    lazyRequestLoggers: true,
    cookieSecure: config.sessions.cookieSecure,
    deprecations: config.deprecations,
    server: {
      bodyLimit: config.server.maxBodyBytes,
      clientErrorHandler: createClientErrorHandler({
        badRequest: 'bad_request',
        headersTooLarge: 'headers_too_large',
      }),
    },
  });
  acceptStrictJson(app);
  const metrics = new AuthMetrics(app.metrics);

  const closers: (() => Promise<void>)[] = [];
  app.addHook('onClose', async () => {
    for (const close of closers.reverse()) await close();
  });

  const watch = { metrics, logger: app.log, resetTimeoutMs: config.resilience.breakerResetMs };
  const { store, throttle, mfaState, redis } = openStores(config, dependencies, closers, watch);
  const transport = dependencies.mailer ?? createMailer(config, app.log);
  if (dependencies.mailer === undefined) closers.push(() => transport.close());
  const db =
    dependencies.identityProvider === undefined
      ? await openBuiltinDatabase(config, watch, dependencies.database, closers)
      : undefined;
  const queue = createMailQueue(config, db, transport, watch);
  const provider =
    dependencies.identityProvider ??
    (await createIdentityProvider(config, queue.mailer, app.log, {
      hasher: dependencies.passwordHasher,
      clock: dependencies.clock,
      db,
    }));
  if (dependencies.identityProvider === undefined) closers.push(() => provider.close());
  // Registered after the provider's: the worker stops before the database closes.
  closers.push(() => queue.stop());
  const audit = openAudit(config, { app, db, redis, watch, relay: auditRelay, closers });
  app.addHook('onReady', (done) => {
    queue.start();
    audit.start();
    done();
  });
  watchProviderBreaker(watch, provider);
  const mailer = queue.mailer;

  const cookies = sessionCookies(config.sessions.cookieSecure);
  const issuer = new SessionIssuer({
    store,
    mailer,
    branding: config.branding,
    provider: provider.name,
    ipGranularity: config.sessions.ipGranularity,
  });
  // Second factors need AuthFlow's own database (factors, recovery codes): none when a test
  // injects its identity provider without one.
  const mfa =
    db === undefined
      ? undefined
      : await createMfa(config, {
          db,
          state: mfaState,
          store,
          throttle,
          mailer,
          provider,
          issuer,
          logger: app.log,
          ...(dependencies.clock === undefined ? {} : { clock: dependencies.clock }),
        });
  closers.push(() => mfaState.close());
  const secondFactorCookies =
    mfa === undefined
      ? undefined
      : mfaCookies(config.sessions.cookieSecure, mfa.flows.trustedCookieName);
  const callers = new CallerResolver({
    store,
    verifyAssertion: assertionVerifier(config, dependencies.assertionKeys),
    cookieName: cookies.name,
    logger: app.log,
  });
  const directory = userDirectoryFor(provider, db, config);
  const flows = new AccountFlows({
    provider,
    store,
    throttle,
    issuer,
    callers,
    metrics,
    handoff: config.handoff,
    ...(mfa === undefined ? {} : { mfa: mfa.flows }),
    ...(directory === undefined
      ? {}
      : {
          isDisabled: async (userId: string) =>
            (await directory.getUser(userId))?.disabled === true,
        }),
    ...(mfa?.signInKeepingSession === undefined
      ? {}
      : { signInKeepingSession: mfa.signInKeepingSession }),
  });

  const federation = await createFederation(config, {
    provider,
    db,
    redis,
    directory,
    store,
    issuer,
    mfa: mfa?.flows,
    keepProviderSession: mfa?.keepProviderSession,
    mailer,
    binding: deviceBindingPolicy(config),
    landingFor: (next) => flows.landingFor(next),
    watch,
  });

  const signOut = new SignOut({
    callers,
    store,
    ...(mfa?.providerSessions === undefined ? {} : { providerSessions: mfa.providerSessions }),
  });

  app.addReadinessCheck('redis', () => store.ping());
  app.addReadinessCheck('identity', () => provider.ping());
  await app.register(cookie, { hook: 'onRequest' });
  await app.register(formBody, { bodyLimit: config.server.maxBodyBytes });
  await app.register(csrfProtection, {
    cookieKey: config.sessions.cookieSecure ? '__Host-authflow_csrf' : 'authflow_csrf',
    cookieOpts: {
      path: '/',
      sameSite: 'strict',
      httpOnly: true,
      secure: config.sessions.cookieSecure,
    },
  });
  const withMfaCookies =
    secondFactorCookies === undefined ? {} : { mfaCookies: secondFactorCookies };
  await app.register(simpleAuthRoutes, {
    flows,
    cookies,
    signOut,
    allowedOrigins: config.server.allowedOrigins,
    passwords: config.federation.passwords,
    ...withMfaCookies,
  });
  if (secondFactorCookies !== undefined)
    await app.register(mfaRoutes, {
      flows,
      cookies,
      mfaCookies: secondFactorCookies,
      allowedOrigins: config.server.allowedOrigins,
    });
  await app.register(pageRoutes, {
    flows,
    cookies,
    signOut,
    branding: config.branding,
    allowedOrigins: config.server.allowedOrigins,
    handoffSecret: config.handoff.secret,
    ...withMfaCookies,
    ...(federation === undefined ? {} : { federation }),
    passwords: config.federation.passwords,
    cookieSecure: config.sessions.cookieSecure,
  });
  await app.register(accountRoutes, {
    provider,
    store,
    throttle,
    mailer,
    callers,
    cookies,
    config,
    ...(mfa === undefined ? {} : { mfa: mfa.flows }),
  });
  // The admin API (the gateway's route requires role admin and aal2; auth checks the role too).
  if (directory !== undefined && audit.log !== undefined) {
    const admin = new AdminService({
      directory,
      store,
      audit: audit.sink,
      auditLog: audit.log,
      explainer: routesFileExplainer(
        config.routesFile ?? DEFAULT_ROUTES_FILE,
        {},
        new URL(config.server.publicUrl).host,
      ),
    });
    await app.register(adminRoutes, {
      service: admin,
      callers,
      allowedOrigins: config.server.allowedOrigins,
      cookieName: cookies.name,
    });
  }
  return app;
}

/**
 * JSON bodies must be valid UTF-8: invalid bytes are refused (400) instead of becoming U+FFFD
 * inside an email address or password.
 */
function acceptStrictJson(app: FastifyInstance): void {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (_request, body: Buffer, done) => {
      try {
        done(null, JSON.parse(decoder.decode(body)) as unknown);
      } catch {
        done(authErrors.create('bad_request', { message: 'The body is not valid UTF-8 JSON.' }));
      }
    },
  );
}

function openStores(
  config: AuthConfig,
  dependencies: AuthDependencies,
  closers: (() => Promise<void>)[],
  watch: BreakerWatch,
): {
  store: SessionStore;
  throttle: LoginThrottle;
  mfaState: MfaStateStore;
  /** The shared Redis client (none with an injected session store). */
  redis?: Redis;
} {
  const policy = {
    idleTtlMs: config.sessions.idleTtlMs,
    absoluteTtlMs: config.sessions.absoluteTtlMs,
  };
  if (dependencies.sessionStore !== undefined) {
    return {
      store: dependencies.sessionStore,
      throttle: dependencies.throttle ?? createMemoryLoginThrottle(config.throttle),
      mfaState: new MemoryMfaStateStore(),
    };
  }
  if (config.redis.url === undefined) {
    throw new ConfigError(['REDIS_URL: is required (sessions and sign-in counters live in Redis)']);
  }
  const client: Redis = createRedisClient({
    url: config.redis.url,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    connectionName: 'authflow-auth',
  });
  closers.push(async () => {
    await client.quit().catch(() => client.disconnect());
  });
  // One breaker for every Redis call of this client: sessions and sign-in counters alike.
  const breaker = createRedisBreaker({ resetTimeoutMs: watch.resetTimeoutMs });
  watchBreaker(watch, breaker, 'sign-in and session endpoints answer 503');
  closers.push(() => {
    breaker.shutdown();
    return Promise.resolve();
  });
  const store = guardSessionStore(
    new RedisSessionStore({ client, policy, maxSessionsPerUser: config.sessions.maxPerUser }),
    breaker,
  );
  return {
    store,
    throttle:
      dependencies.throttle ??
      guardLoginThrottle(createRedisLoginThrottle(client, config.throttle), breaker),
    mfaState: guardMfaStateStore(new RedisMfaStateStore({ client }), breaker),
    redis: client,
  };
}

/**
 * The audit log: events from this service's log lines and from the gateways' Redis stream,
 * written to Postgres in batches through their own breaker (a database outage never blocks or
 * fails a request: events wait in a bounded queue). Without a database (a test's injected
 * provider) events are only logged.
 */
function openAudit(
  config: AuthConfig,
  parts: {
    app: FastifyInstance;
    db: Database | undefined;
    redis: Redis | undefined;
    watch: BreakerWatch;
    relay: AuditRelay;
    closers: (() => Promise<void>)[];
  },
): { start(): void; log: SqlAuditStore | undefined; sink: AuditSink } {
  const { app, db, redis, watch, relay, closers } = parts;
  if (db === undefined) {
    relay.connect({ record: () => undefined });
    return { start: () => undefined, log: undefined, sink: relay };
  }
  const store = new SqlAuditStore(db);
  const metrics = createAuditMetrics(app.metrics);
  const writer = new AuditWriter({
    store,
    logger: app.log,
    metrics,
    capacity: config.audit.queueCapacity,
    breakerResetMs: config.resilience.breakerResetMs,
  });
  watchBreaker(watch, writer.breaker, 'audit events wait in memory (bounded)');
  relay.connect(writer);
  const retention = new AuditRetention({
    store,
    logger: app.log,
    retentionDays: config.audit.retentionDays,
  });
  const consumer =
    redis === undefined
      ? undefined
      : new AuditStreamConsumer({ redis, writer, logger: app.log, metrics });
  // Closers run in reverse: the consumer stops first, the writer drains last (before the
  // database and Redis close).
  closers.push(() => writer.close(2_000));
  closers.push(() => retention.stop());
  if (consumer !== undefined) closers.push(() => consumer.stop());
  return {
    start: () => {
      retention.start();
      consumer?.start();
    },
    log: store,
    sink: writer,
  };
}

function assertionVerifier(config: AuthConfig, keys: JSONWebKeySet | undefined): AssertionVerifier {
  const base = { audience: config.assertion.audience, issuer: config.assertion.issuer };
  return createAssertionVerifier(
    keys === undefined ? { ...base, jwksUrl: config.assertion.jwksUrl } : { ...base, keys },
  );
}
