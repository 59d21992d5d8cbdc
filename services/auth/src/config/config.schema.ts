// The auth service's environment: one zod schema, AUTH_* names plus the shared AUTHFLOW_* and REDIS_URL.
import { availableParallelism } from 'node:os';
import {
  checkSharedSettings,
  env,
  gatewayAddressVariables,
  localGatewayJwksUrl,
  sharedSettingsFrom,
  sharedSettingsVariables,
} from '@authflow/config';
import { sessionCookieName } from '@authflow/sessions';
import { z } from 'zod';
import {
  createKeyRing,
  ENCRYPTION_KEY_FORMAT,
  parseEncryptionKey,
} from '../mfa/crypto/encryption-keys.js';

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/u, 'must be a colour like #2563eb');

/** A 32-byte key as hex or base64; the value is never echoed, only the expected format. */
function encryptionKeyBytes(value: string | undefined, context: z.RefinementCtx) {
  if (value === undefined) return undefined;
  const bytes = parseEncryptionKey(value);
  if (bytes === undefined) {
    context.addIssue({ code: 'custom', message: ENCRYPTION_KEY_FORMAT });
    return z.NEVER;
  }
  return bytes;
}

function previousEncryptionKeyBytes(values: string[], context: z.RefinementCtx) {
  return values.map((value, index) => {
    const bytes = parseEncryptionKey(value);
    if (bytes === undefined) {
      context.addIssue({ code: 'custom', message: `key ${index + 1} ${ENCRYPTION_KEY_FORMAT}` });
      return z.NEVER;
    }
    return bytes;
  });
}

/** Every environment variable the auth service reads (the README's config table is checked against it). */
export const authEnvVariables = z.object({
  AUTH_HOST: env.string('127.0.0.1'),
  AUTH_PORT: env.port(8001),
  AUTH_PUBLIC_URL: env.url('http://localhost:8000'),
  AUTH_ALLOWED_ORIGINS: env.list(),
  AUTH_TRUSTED_PROXIES: env.list(),
  AUTH_LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  AUTH_SHUTDOWN_DRAIN_MS: env.integer(10_000, { min: 0, max: 600_000 }),
  AUTH_MAX_BODY_BYTES: env.integer(65_536, { min: 1_024, max: 10_485_760 }),

  REDIS_URL: env.redisUrl(),
  AUTH_REDIS_COMMAND_TIMEOUT_MS: env.integer(500, { min: 10, max: 60_000 }),
  AUTH_MAX_SESSIONS_PER_USER: env.integer(100, { min: 1, max: 10_000 }),
  // Session lifetimes, cookie security, fingerprint policy and the handoff secret: the values
  // the gateway uses too (AUTHFLOW_*, declared once in libs/config). Auth does not use the
  // per-part fingerprint policies (AUTHFLOW_FINGERPRINT_USER_AGENT, ...): the gateway alone
  // judges a cookie. They are accepted here because the fragment (and the env file) is shared.
  ...sharedSettingsVariables,
  AUTH_DEFAULT_LANDING_PATH: env.string('/app/'),

  AUTH_IDENTITY_PROVIDER: env.oneOf(['builtin', 'supabase'], 'builtin'),
  AUTH_DATABASE_URL: env.databaseUrl(),
  AUTH_DATA_DIR: env.string('.data/auth'),
  AUTH_DATABASE_CONNECT_TIMEOUT_MS: env.integer(2_000, { min: 100, max: 60_000 }),
  AUTH_DATABASE_QUERY_TIMEOUT_MS: env.integer(5_000, { min: 100, max: 600_000 }),
  AUTH_BREAKER_RESET_MS: env.integer(5_000, { min: 100, max: 600_000 }),
  AUTH_REQUIRE_EMAIL_VERIFICATION: env.boolean(true),
  AUTH_ARGON2_MEMORY_KIB: env.integer(19_456, { min: 1_024, max: 4_194_304 }),
  AUTH_ARGON2_ITERATIONS: env.integer(2, { min: 1, max: 100 }),
  AUTH_ARGON2_PARALLELISM: env.integer(1, { min: 1, max: 64 }),
  AUTH_HASH_CONCURRENCY: env.integer(Math.max(1, availableParallelism() - 1), { min: 1, max: 256 }),
  AUTH_RESET_TOKEN_TTL_MINUTES: env.integer(30, { min: 1, max: 1_440 }),
  AUTH_VERIFICATION_TOKEN_TTL_HOURS: env.integer(24, { min: 1, max: 720 }),

  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: env.integer(5, { min: 1, max: 1_000 }),
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: env.integer(50, { min: 1, max: 100_000 }),
  AUTH_LOGIN_MAX_FAILURES_PER_IP: env.integer(50, { min: 1, max: 100_000 }),
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS: env.integer(900, { min: 1, max: 86_400 }),
  AUTH_LOGIN_DELAY_BASE_SECONDS: env.integer(30, { min: 1, max: 86_400 }),
  AUTH_LOGIN_DELAY_MAX_SECONDS: env.integer(900, { min: 1, max: 86_400 }),

  AUTH_SMTP_URL: env.optionalString(),
  AUTH_MAIL_FROM: env.string('AuthFlow <no-reply@localhost>'),
  AUTH_OUTBOX_DIR: env.string('.outbox'),
  AUTH_MAIL_POLL_INTERVAL_MS: env.integer(1_000, { min: 50, max: 60_000 }),
  AUTH_MAIL_RETRY_BASE_MS: env.integer(5_000, { min: 50, max: 3_600_000 }),
  AUTH_MAIL_RETRY_MAX_MS: env.integer(300_000, { min: 50, max: 86_400_000 }),
  AUTH_MAIL_MAX_AGE_MINUTES: env.integer(1_440, { min: 1, max: 10_080 }),

  AUTH_BRAND_APP_NAME: env.string('AuthFlow'),
  AUTH_BRAND_LOGO_URL: env.optionalString(),
  AUTH_BRAND_PRIMARY_COLOR: env.string('#2563eb').pipe(hexColour),
  AUTH_BRAND_SUPPORT_EMAIL: env.optionalString(),

  /** Default: the gateway on this machine, at GATEWAY_HOST/GATEWAY_PORT (split mode shares .env). */
  AUTH_GATEWAY_JWKS_URL: env.optionalUrl(),
  ...gatewayAddressVariables,
  AUTH_GATEWAY_ISSUER: env.optionalString(),
  AUTH_ASSERTION_AUDIENCE: env.string('auth'),

  AUTH_SUPABASE_URL: env.optionalString(),
  AUTH_SUPABASE_ANON_KEY: env.secret({ minLength: 1 }),
  AUTH_SUPABASE_SERVICE_ROLE_KEY: env.secret({ minLength: 1 }),
  AUTH_SUPABASE_TIMEOUT_MS: env.integer(5_000, { min: 100, max: 60_000 }),
  AUTH_SUPABASE_FORWARD_CLIENT_IP: env.boolean(true),

  AUTH_ENCRYPTION_KEY: env.secret({ minLength: 1 }).transform(encryptionKeyBytes),
  AUTH_ENCRYPTION_KEYS_PREVIOUS: env.list().transform(previousEncryptionKeyBytes),
  AUTH_MFA_ISSUER: env.optionalString(),
  AUTH_MFA_PENDING_TTL_SECONDS: env.integer(300, { min: 30, max: 3_600 }),
  AUTH_MFA_MAX_ATTEMPTS: env.integer(5, { min: 1, max: 100 }),
  AUTH_MFA_EMAIL_CODE_TTL_SECONDS: env.integer(600, { min: 60, max: 3_600 }),
  AUTH_MFA_EMAIL_CODE_RESEND_SECONDS: env.integer(60, { min: 0, max: 3_600 }),
  AUTH_MFA_TRUSTED_DEVICE_DAYS: env.integer(30, { min: 0, max: 400 }),
  AUTH_MFA_RECENT_SECONDS: env.integer(600, { min: 30, max: 86_400 }),

  AUTH_AUDIT_RETENTION_DAYS: env.integer(90, { min: 1, max: 36_500 }),
  AUTH_AUDIT_QUEUE_CAPACITY: env.integer(10_000, { min: 100, max: 1_000_000 }),
  AUTH_ROUTES_FILE: env.optionalString(),

  AUTH_PROVIDERS_FILE: env.optionalString(),
  AUTH_OIDC_JIT: env.boolean(true),
  AUTH_LOGIN_METHODS: env
    .list()
    .pipe(z.array(z.enum(['password', 'sso'], { message: 'each must be password or sso' })))
    .transform((methods) => (methods.length === 0 ? ['password', 'sso'] : methods)),
  AUTH_FEDERATION_TIMEOUT_MS: env.integer(5_000, { min: 100, max: 60_000 }),
});

export const authEnvSchema = authEnvVariables
  .superRefine((vars, context) => {
    checkSharedSettings(vars, context);
    if (
      !vars.AUTH_DEFAULT_LANDING_PATH.startsWith('/') ||
      vars.AUTH_DEFAULT_LANDING_PATH.startsWith('//')
    ) {
      context.addIssue({
        code: 'custom',
        path: ['AUTH_DEFAULT_LANDING_PATH'],
        message: 'must be a path on this origin',
      });
    }
    if (vars.AUTH_MAIL_RETRY_MAX_MS < vars.AUTH_MAIL_RETRY_BASE_MS) {
      context.addIssue({
        code: 'custom',
        path: ['AUTH_MAIL_RETRY_MAX_MS'],
        message: 'must not be shorter than AUTH_MAIL_RETRY_BASE_MS',
      });
    }
    checkEncryptionSettings(vars, context);
    checkMfaSettings(vars, context);
    if (vars.AUTH_IDENTITY_PROVIDER === 'supabase') {
      for (const name of [
        'AUTH_SUPABASE_URL',
        'AUTH_SUPABASE_ANON_KEY',
        'AUTH_SUPABASE_SERVICE_ROLE_KEY',
      ] as const) {
        if (vars[name] === undefined)
          context.addIssue({
            code: 'custom',
            path: [name],
            message: 'is required with AUTH_IDENTITY_PROVIDER=supabase',
          });
      }
    }
  })
  .transform((vars) => {
    const shared = sharedSettingsFrom(vars);
    const publicOrigin = new URL(vars.AUTH_PUBLIC_URL).origin;
    return {
      server: {
        host: vars.AUTH_HOST,
        port: vars.AUTH_PORT,
        publicUrl: vars.AUTH_PUBLIC_URL,
        allowedOrigins:
          vars.AUTH_ALLOWED_ORIGINS.length > 0 ? vars.AUTH_ALLOWED_ORIGINS : [publicOrigin],
        trustedProxies: vars.AUTH_TRUSTED_PROXIES,
        shutdownDrainMs: vars.AUTH_SHUTDOWN_DRAIN_MS,
        maxBodyBytes: vars.AUTH_MAX_BODY_BYTES,
      },
      log: { level: vars.AUTH_LOG_LEVEL },
      redis: { url: vars.REDIS_URL, commandTimeoutMs: vars.AUTH_REDIS_COMMAND_TIMEOUT_MS },
      sessions: {
        idleTtlMs: shared.sessions.idleTtlMs,
        absoluteTtlMs: shared.sessions.absoluteTtlMs,
        maxPerUser: vars.AUTH_MAX_SESSIONS_PER_USER,
        cookieSecure: shared.sessions.cookieSecure,
        cookieName: sessionCookieName(shared.sessions.cookieSecure),
        /** How much of the IP a new session records. */
        ipGranularity: shared.fingerprint.ipGranularity,
        /**
         * Which parts bind a pending second-factor sign-in and a trusted device to their device:
         * the ones the gateway enforces on sessions (auth never judges a session cookie itself).
         */
        fingerprintPolicy: shared.fingerprint.policy,
      },
      handoff: {
        secret: shared.handoffSecret,
        defaultLandingPath: vars.AUTH_DEFAULT_LANDING_PATH,
      },
      identity: {
        provider: vars.AUTH_IDENTITY_PROVIDER,
        databaseUrl: vars.AUTH_DATABASE_URL,
        dataDir: vars.AUTH_DATA_DIR,
        database: {
          connectTimeoutMs: vars.AUTH_DATABASE_CONNECT_TIMEOUT_MS,
          queryTimeoutMs: vars.AUTH_DATABASE_QUERY_TIMEOUT_MS,
        },
        requireEmailVerification: vars.AUTH_REQUIRE_EMAIL_VERIFICATION,
        argon2: {
          memoryKib: vars.AUTH_ARGON2_MEMORY_KIB,
          iterations: vars.AUTH_ARGON2_ITERATIONS,
          parallelism: vars.AUTH_ARGON2_PARALLELISM,
          concurrency: vars.AUTH_HASH_CONCURRENCY,
        },
        resetTokenTtlMs: vars.AUTH_RESET_TOKEN_TTL_MINUTES * 60_000,
        verificationTokenTtlMs: vars.AUTH_VERIFICATION_TOKEN_TTL_HOURS * 3_600_000,
        supabase: {
          url: vars.AUTH_SUPABASE_URL,
          anonKey: vars.AUTH_SUPABASE_ANON_KEY,
          serviceRoleKey: vars.AUTH_SUPABASE_SERVICE_ROLE_KEY,
          timeoutMs: vars.AUTH_SUPABASE_TIMEOUT_MS,
          forwardClientIp: vars.AUTH_SUPABASE_FORWARD_CLIENT_IP,
        },
      },
      throttle: {
        maxFailuresPerAccountIp: vars.AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT_IP,
        maxFailuresPerAccount: vars.AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT,
        maxFailuresPerIp: vars.AUTH_LOGIN_MAX_FAILURES_PER_IP,
        windowMs: vars.AUTH_LOGIN_FAILURE_WINDOW_SECONDS * 1_000,
        baseDelayMs: vars.AUTH_LOGIN_DELAY_BASE_SECONDS * 1_000,
        maxDelayMs: vars.AUTH_LOGIN_DELAY_MAX_SECONDS * 1_000,
      },
      mail: {
        smtpUrl: vars.AUTH_SMTP_URL,
        from: vars.AUTH_MAIL_FROM,
        outboxDir: vars.AUTH_OUTBOX_DIR,
        queue: {
          pollIntervalMs: vars.AUTH_MAIL_POLL_INTERVAL_MS,
          retryBaseMs: vars.AUTH_MAIL_RETRY_BASE_MS,
          retryMaxMs: vars.AUTH_MAIL_RETRY_MAX_MS,
          maxAgeMs: vars.AUTH_MAIL_MAX_AGE_MINUTES * 60_000,
        },
      },
      resilience: { breakerResetMs: vars.AUTH_BREAKER_RESET_MS },
      audit: {
        retentionDays: vars.AUTH_AUDIT_RETENTION_DAYS,
        queueCapacity: vars.AUTH_AUDIT_QUEUE_CAPACITY,
      },
      /** The gateway's routes file, for "policy explain" (default: the shipped one). */
      routesFile: vars.AUTH_ROUTES_FILE,
      federation: {
        /** Outside identity providers (none without the file). */
        providersFile: vars.AUTH_PROVIDERS_FILE,
        /** Make an account at a first outside sign-in (else only link existing accounts). */
        jit: vars.AUTH_OIDC_JIT,
        /** False: SSO only, no password form or password API. */
        passwords: vars.AUTH_LOGIN_METHODS.includes('password'),
        /** False: the providers file is not read, no provider button is shown. */
        sso: vars.AUTH_LOGIN_METHODS.includes('sso'),
        timeoutMs: vars.AUTH_FEDERATION_TIMEOUT_MS,
      },
      /**
       * Seals second-factor secrets at rest. `undefined` only with the embedded database: then the
       * key comes from a file in AUTH_DATA_DIR (`openKeyRing` in mfa/crypto/key-file.ts).
       */
      encryption:
        vars.AUTH_ENCRYPTION_KEY === undefined
          ? undefined
          : createKeyRing(vars.AUTH_ENCRYPTION_KEY, vars.AUTH_ENCRYPTION_KEYS_PREVIOUS),
      mfa: {
        // A colon separates issuer and account in an otpauth:// label.
        issuer: vars.AUTH_MFA_ISSUER ?? vars.AUTH_BRAND_APP_NAME.replaceAll(':', ''),
        pendingTtlMs: vars.AUTH_MFA_PENDING_TTL_SECONDS * 1_000,
        maxAttempts: vars.AUTH_MFA_MAX_ATTEMPTS,
        emailCodeTtlMs: vars.AUTH_MFA_EMAIL_CODE_TTL_SECONDS * 1_000,
        emailCodeResendMs: vars.AUTH_MFA_EMAIL_CODE_RESEND_SECONDS * 1_000,
        /** 0: the "trust this device" option is not offered. */
        trustedDeviceTtlMs: vars.AUTH_MFA_TRUSTED_DEVICE_DAYS * 86_400_000,
        /** How recent a second factor must be for sensitive account actions. */
        recentMfaMs: vars.AUTH_MFA_RECENT_SECONDS * 1_000,
      },
      branding: {
        appName: vars.AUTH_BRAND_APP_NAME,
        logoUrl: vars.AUTH_BRAND_LOGO_URL,
        primaryColor: vars.AUTH_BRAND_PRIMARY_COLOR,
        supportEmail: vars.AUTH_BRAND_SUPPORT_EMAIL,
        publicUrl: vars.AUTH_PUBLIC_URL,
      },
      assertion: {
        jwksUrl:
          vars.AUTH_GATEWAY_JWKS_URL ?? localGatewayJwksUrl(vars.GATEWAY_HOST, vars.GATEWAY_PORT),
        issuer: vars.AUTH_GATEWAY_ISSUER ?? vars.AUTH_PUBLIC_URL,
        audience: vars.AUTH_ASSERTION_AUDIENCE,
      },
    };
  });

export type AuthConfig = z.output<typeof authEnvSchema>;

type AuthVariables = z.output<typeof authEnvVariables>;

/**
 * The key is required with a Postgres server: every instance sharing it must open what the others
 * sealed, so a key generated per instance would not do. The embedded database (one process,
 * development) falls back to a key file beside its data.
 */
function checkEncryptionSettings(vars: AuthVariables, context: z.RefinementCtx): void {
  if (vars.AUTH_ENCRYPTION_KEY !== undefined) return;
  if (vars.AUTH_DATABASE_URL !== undefined)
    context.addIssue({
      code: 'custom',
      path: ['AUTH_ENCRYPTION_KEY'],
      message:
        'is required with AUTH_DATABASE_URL (every instance must decrypt second-factor secrets with the same key)',
    });
  if (vars.AUTH_ENCRYPTION_KEYS_PREVIOUS.length > 0)
    context.addIssue({
      code: 'custom',
      path: ['AUTH_ENCRYPTION_KEYS_PREVIOUS'],
      message: 'needs AUTH_ENCRYPTION_KEY: previous keys only open, the active key seals',
    });
}

function checkMfaSettings(vars: AuthVariables, context: z.RefinementCtx): void {
  if (vars.AUTH_MFA_ISSUER?.includes(':') === true)
    context.addIssue({
      code: 'custom',
      path: ['AUTH_MFA_ISSUER'],
      message: 'must not contain a colon (it separates issuer and account in authenticator apps)',
    });
  if (vars.AUTH_MFA_EMAIL_CODE_RESEND_SECONDS >= vars.AUTH_MFA_EMAIL_CODE_TTL_SECONDS)
    context.addIssue({
      code: 'custom',
      path: ['AUTH_MFA_EMAIL_CODE_RESEND_SECONDS'],
      message: 'must be shorter than AUTH_MFA_EMAIL_CODE_TTL_SECONDS',
    });
}
