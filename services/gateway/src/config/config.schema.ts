// The gateway's environment: one zod schema, GATEWAY_* names plus the shared AUTHFLOW_* and REDIS_URL.
import {
  checkSharedSettings,
  env,
  sharedSettingsFrom,
  sharedSettingsVariables,
} from '@authflow/config';
import { sessionCookieName } from '@authflow/sessions';
import { z } from 'zod';

export const DEFAULT_LEGACY_IDENTITY_HEADERS = [
  'x-user-id',
  'x-user-email',
  'x-forwarded-user',
  'x-forwarded-email',
  'remote-user',
] as const;

/** Every environment variable the gateway reads (the README's config table is checked against it). */
export const gatewayEnvVariables = z.object({
  GATEWAY_HOST: env.string('127.0.0.1'),
  GATEWAY_PORT: env.port(8000),
  GATEWAY_PUBLIC_URL: env.url('http://localhost:8000'),
  GATEWAY_ROUTES_FILE: env.optionalString(),
  GATEWAY_TRUSTED_PROXIES: env.list(),
  GATEWAY_LOG_LEVEL: env.oneOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    'info',
  ),
  GATEWAY_ACCESS_LOG_SAMPLE_RATE: env.integer(0, { min: 0, max: 100 }),
  GATEWAY_SHUTDOWN_DRAIN_MS: env.integer(10_000, { min: 0, max: 600_000 }),
  GATEWAY_MAX_HEADER_BYTES: env.integer(16_384, { min: 1_024, max: 1_048_576 }),
  GATEWAY_MAX_COOKIE_HEADER_BYTES: env.integer(8_192, { min: 256, max: 1_048_576 }),
  GATEWAY_MAX_BODY_BYTES: env.integer(10_485_760, { min: 0, max: 1_073_741_824 }),
  GATEWAY_RETRY_AFTER_SECONDS: env.integer(5, { min: 1, max: 3_600 }),
  GATEWAY_FAST_PATH: env.boolean(true),

  REDIS_URL: env.redisUrl(),
  GATEWAY_REDIS_COMMAND_TIMEOUT_MS: env.integer(250, { min: 10, max: 60_000 }),
  GATEWAY_REDIS_BREAKER_RESET_MS: env.integer(2_000, { min: 100, max: 600_000 }),
  GATEWAY_REDIS_BREAKER_ERROR_PERCENT: env.integer(50, { min: 1, max: 100 }),
  GATEWAY_REDIS_BREAKER_VOLUME: env.integer(5, { min: 1, max: 10_000 }),
  GATEWAY_REDIS_PROBE_INTERVAL_MS: env.integer(500, { min: 50, max: 60_000 }),
  GATEWAY_WEBSOCKET_STORE_GRACE_MS: env.integer(30_000, { min: 100, max: 3_600_000 }),

  GATEWAY_SESSION_CACHE_TTL_MS: env.integer(3_000, { min: 0, max: 60_000 }),
  GATEWAY_SESSION_CACHE_MAX_ENTRIES: env.integer(10_000, { min: 1, max: 10_000_000 }),

  // Session lifetimes, cookie, fingerprint policy and handoff secret: declared once for gateway
  // and auth (their old GATEWAY_* names are read by load-config.ts for one more release).
  ...sharedSettingsVariables,
  GATEWAY_LOGIN_PATH: env.string('/auth/login'),
  GATEWAY_MFA_PATH: env.string('/auth/mfa'),
  GATEWAY_LOGOUT_PATH: env.string('/auth/logout'),

  GATEWAY_SIGNING_KEYS_FILE: env.optionalString(),
  GATEWAY_ASSERTION_TTL_SECONDS: env.integer(60, { min: 10, max: 3_600 }),
  GATEWAY_FORWARD_AUTH_AUDIENCE: env.string('forward-auth'),
  GATEWAY_LEGACY_IDENTITY_HEADERS: env.list(DEFAULT_LEGACY_IDENTITY_HEADERS),
});

export const gatewayEnvSchema = gatewayEnvVariables
  .superRefine((vars, context) => {
    checkSharedSettings(vars, context);
    for (const name of ['GATEWAY_LOGIN_PATH', 'GATEWAY_MFA_PATH', 'GATEWAY_LOGOUT_PATH'] as const) {
      if (!vars[name].startsWith('/') || vars[name].startsWith('//')) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: 'must be a path on this origin',
        });
      }
    }
    // Written into the 403 page's link as is: plain path characters only.
    if (!/^\/[A-Za-z0-9._~/-]*$/u.test(vars.GATEWAY_LOGOUT_PATH))
      context.addIssue({
        code: 'custom',
        path: ['GATEWAY_LOGOUT_PATH'],
        message: 'must be a path of letters, digits and / . _ ~ -',
      });
  })
  .transform((vars) => gatewayConfigFrom(vars));

function gatewayConfigFrom(vars: z.output<typeof gatewayEnvVariables>) {
  const shared = sharedSettingsFrom(vars);
  return {
    server: {
      host: vars.GATEWAY_HOST,
      port: vars.GATEWAY_PORT,
      publicUrl: vars.GATEWAY_PUBLIC_URL,
      trustedProxies: vars.GATEWAY_TRUSTED_PROXIES,
      shutdownDrainMs: vars.GATEWAY_SHUTDOWN_DRAIN_MS,
      maxHeaderBytes: vars.GATEWAY_MAX_HEADER_BYTES,
      maxCookieHeaderBytes: vars.GATEWAY_MAX_COOKIE_HEADER_BYTES,
      maxBodyBytes: vars.GATEWAY_MAX_BODY_BYTES,
      retryAfterSeconds: vars.GATEWAY_RETRY_AFTER_SECONDS,
      fastPath: vars.GATEWAY_FAST_PATH,
    },
    log: {
      level: vars.GATEWAY_LOG_LEVEL,
      accessLogSamplePercent: vars.GATEWAY_ACCESS_LOG_SAMPLE_RATE,
    },
    redis: {
      url: vars.REDIS_URL,
      commandTimeoutMs: vars.GATEWAY_REDIS_COMMAND_TIMEOUT_MS,
      breaker: {
        resetTimeoutMs: vars.GATEWAY_REDIS_BREAKER_RESET_MS,
        errorThresholdPercentage: vars.GATEWAY_REDIS_BREAKER_ERROR_PERCENT,
        volumeThreshold: vars.GATEWAY_REDIS_BREAKER_VOLUME,
      },
      probeIntervalMs: vars.GATEWAY_REDIS_PROBE_INTERVAL_MS,
    },
    websockets: { storeGraceMs: vars.GATEWAY_WEBSOCKET_STORE_GRACE_MS },
    sessions: {
      ...shared.sessions,
      cacheTtlMs: vars.GATEWAY_SESSION_CACHE_TTL_MS,
      cacheMaxEntries: vars.GATEWAY_SESSION_CACHE_MAX_ENTRIES,
      cookieName: sessionCookieName(shared.sessions.cookieSecure),
    },
    fingerprint: shared.fingerprint,
    handoff: {
      secret: shared.handoffSecret,
      loginPath: vars.GATEWAY_LOGIN_PATH,
      mfaPath: vars.GATEWAY_MFA_PATH,
      logoutPath: vars.GATEWAY_LOGOUT_PATH,
    },
    assertion: {
      issuer: vars.GATEWAY_PUBLIC_URL,
      ttlSeconds: vars.GATEWAY_ASSERTION_TTL_SECONDS,
      signingKeysFile: vars.GATEWAY_SIGNING_KEYS_FILE,
      forwardAuthAudience: vars.GATEWAY_FORWARD_AUTH_AUDIENCE,
    },
    legacyIdentityHeaders: vars.GATEWAY_LEGACY_IDENTITY_HEADERS.map((name) => name.toLowerCase()),
    routesFile: vars.GATEWAY_ROUTES_FILE,
  };
}

export type GatewayEnvConfig = z.output<typeof gatewayEnvSchema>;
