import { randomBytes } from 'node:crypto';
import { ConfigError } from '@authflow/config';
import { describe, expect, it } from 'vitest';
import { createKeyRing } from '../mfa/crypto/encryption-keys.js';
import { loadAuthConfig } from './load-config.js';

const secret = { AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32) };
const supabase = {
  AUTH_SUPABASE_URL: 'https://project.supabase.co',
  AUTH_SUPABASE_ANON_KEY: 'anon-key-value',
  AUTH_SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-value',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadAuthConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadAuthConfig', () => {
  it('starts on secure defaults with only the handoff secret', () => {
    const config = loadAuthConfig(secret);
    expect(config.identity.provider).toBe('builtin');
    expect(config.sessions.cookieSecure).toBe(true);
    expect(config.sessions.cookieName).toBe('__Host-authflow_session');
    expect(config.server.allowedOrigins).toEqual(['http://localhost:8000']);
    expect(config.identity.requireEmailVerification).toBe(true);
    // OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
    expect(config.identity.argon2).toMatchObject({
      memoryKib: 19_456,
      iterations: 2,
      parallelism: 1,
    });
    expect(config.sessions.absoluteTtlMs).toBeGreaterThan(config.sessions.idleTtlMs);
  });

  it('reports every problem at once, naming each variable', () => {
    const problems = problemsOf({
      AUTH_PORT: 'eighty',
      AUTH_COOKIE_SECURE: 'maybe',
      AUTH_BRAND_PRIMARY_COLOR: 'red; }',
      AUTH_ARGON2_MEMORY_KIB: '8',
    });
    expect(problems.map((problem) => problem.split(':', 1)[0]).sort()).toEqual([
      'AUTHFLOW_HANDOFF_SECRET',
      'AUTH_ARGON2_MEMORY_KIB',
      'AUTH_BRAND_PRIMARY_COLOR',
      'AUTH_COOKIE_SECURE',
      'AUTH_PORT',
    ]);
  });

  it('reports a malformed Redis or database URL with the port problem, never echoing the value', () => {
    const problems = problemsOf({
      ...secret,
      AUTH_PORT: 'abc',
      REDIS_URL: 'redis//127.0.0.1',
      AUTH_DATABASE_URL: 'notaurl-with-s3cret',
    });
    expect(problems.map((problem) => problem.split(':', 1)[0]).sort()).toEqual([
      'AUTH_DATABASE_URL',
      'AUTH_PORT',
      'REDIS_URL',
    ]);
    expect(problems.join('\n')).not.toContain('s3cret');
  });

  it('checks values against each other once each is valid on its own', () => {
    const problems = problemsOf({
      ...secret,
      AUTH_SESSION_IDLE_TTL_SECONDS: '7200',
      AUTH_SESSION_ABSOLUTE_TTL_SECONDS: '3600',
      AUTH_DEFAULT_LANDING_PATH: '//evil.example/',
    });
    expect(problems.map((problem) => problem.split(':', 1)[0]).sort()).toEqual([
      'AUTH_DEFAULT_LANDING_PATH',
      'AUTH_SESSION_ABSOLUTE_TTL_SECONDS',
    ]);
  });

  it('asks for the Supabase settings when Supabase is the provider, and never echoes a key', () => {
    const problems = problemsOf({
      ...secret,
      AUTH_IDENTITY_PROVIDER: 'supabase',
      AUTH_SUPABASE_URL: 'https://project.supabase.co',
      AUTH_SUPABASE_ANON_KEY: 'anon-key-value',
    });
    expect(problems).toEqual([expect.stringMatching(/^AUTH_SUPABASE_SERVICE_ROLE_KEY: /u)]);
    expect(JSON.stringify(problems)).not.toContain('anon-key-value');
  });

  it('refuses a handoff secret too short to sign with', () => {
    expect(problemsOf({ AUTHFLOW_HANDOFF_SECRET: 'short' })).toEqual([
      expect.stringMatching(/^AUTHFLOW_HANDOFF_SECRET: /u),
    ]);
  });
});

describe('the encryption key and second-factor settings', () => {
  const key = randomBytes(32);

  it('reads AUTH_ENCRYPTION_KEY as hex or base64 into a ring named by key ids', () => {
    for (const written of [
      key.toString('hex'),
      key.toString('base64'),
      key.toString('base64url'),
    ]) {
      const config = loadAuthConfig({ ...secret, AUTH_ENCRYPTION_KEY: written });
      expect(config.encryption?.active.id).toBe(createKeyRing(key).active.id);
      expect(config.encryption?.previous).toEqual([]);
    }
  });

  it('keeps previous keys for opening only, in order', () => {
    const [older, oldest] = [randomBytes(32), randomBytes(32)];
    const config = loadAuthConfig({
      ...secret,
      AUTH_ENCRYPTION_KEY: key.toString('base64url'),
      AUTH_ENCRYPTION_KEYS_PREVIOUS: ` ${older.toString('hex')} , ${oldest.toString('base64')}`,
    });
    expect(config.encryption?.previous.map(({ id }) => id)).toEqual(
      createKeyRing(key, [older, oldest]).previous.map(({ id }) => id),
    );
  });

  it('names a key of the wrong length or format without echoing it', () => {
    const problems = problemsOf({
      ...secret,
      AUTH_ENCRYPTION_KEY: 'too-short-s3cret',
      AUTH_ENCRYPTION_KEYS_PREVIOUS: `${key.toString('hex')},${randomBytes(16).toString('hex')}`,
    });
    expect(problems).toEqual([
      expect.stringMatching(/^AUTH_ENCRYPTION_KEY: must be 32 bytes/u),
      expect.stringMatching(/^AUTH_ENCRYPTION_KEYS_PREVIOUS: key 2 must be 32 bytes/u),
    ]);
    expect(problems.join('\n')).not.toContain('s3cret');
    expect(problems.join('\n')).not.toContain(key.toString('hex'));
  });

  it('starts without a key on the embedded database (a key file is used) but not with a Postgres server', () => {
    expect(loadAuthConfig(secret).encryption).toBeUndefined();
    expect(
      loadAuthConfig({ ...secret, AUTH_IDENTITY_PROVIDER: 'supabase', ...supabase }).encryption,
    ).toBeUndefined();
    expect(problemsOf({ ...secret, AUTH_DATABASE_URL: 'postgres://u:p@db:5432/auth' })).toEqual([
      expect.stringMatching(/^AUTH_ENCRYPTION_KEY: is required with AUTH_DATABASE_URL/u),
    ]);
    expect(
      problemsOf({
        ...secret,
        AUTH_DATABASE_URL: 'postgres://u:p@db:5432/auth',
        AUTH_ENCRYPTION_KEY: key.toString('hex'),
      }),
    ).toEqual([]);
  });

  it('refuses previous keys without an active one', () => {
    expect(problemsOf({ ...secret, AUTH_ENCRYPTION_KEYS_PREVIOUS: key.toString('hex') })).toEqual([
      expect.stringMatching(/^AUTH_ENCRYPTION_KEYS_PREVIOUS: needs AUTH_ENCRYPTION_KEY/u),
    ]);
  });

  it('has second-factor defaults, the issuer being the product name', () => {
    expect(loadAuthConfig({ ...secret, AUTH_BRAND_APP_NAME: 'Acme: Portal' }).mfa).toEqual({
      issuer: 'Acme Portal',
      pendingTtlMs: 300_000,
      maxAttempts: 5,
      emailCodeTtlMs: 600_000,
      emailCodeResendMs: 60_000,
      trustedDeviceTtlMs: 30 * 86_400_000,
      recentMfaMs: 600_000,
    });
  });

  it('reads the second-factor settings, 0 trusted-device days turning the option off', () => {
    const config = loadAuthConfig({
      ...secret,
      AUTH_MFA_ISSUER: 'Acme',
      AUTH_MFA_PENDING_TTL_SECONDS: '120',
      AUTH_MFA_MAX_ATTEMPTS: '3',
      AUTH_MFA_EMAIL_CODE_TTL_SECONDS: '300',
      AUTH_MFA_EMAIL_CODE_RESEND_SECONDS: '30',
      AUTH_MFA_TRUSTED_DEVICE_DAYS: '0',
      AUTH_MFA_RECENT_SECONDS: '900',
    });
    expect(config.mfa).toEqual({
      issuer: 'Acme',
      pendingTtlMs: 120_000,
      maxAttempts: 3,
      emailCodeTtlMs: 300_000,
      emailCodeResendMs: 30_000,
      trustedDeviceTtlMs: 0,
      recentMfaMs: 900_000,
    });
  });

  it('reports second-factor settings out of range or at odds with each other', () => {
    expect(
      problemsOf({
        ...secret,
        AUTH_MFA_ISSUER: 'Acme:Corp',
        AUTH_MFA_MAX_ATTEMPTS: '0',
        AUTH_MFA_TRUSTED_DEVICE_DAYS: '-1',
      })
        .map((problem) => problem.split(':', 1)[0])
        .sort(),
    ).toEqual(['AUTH_MFA_MAX_ATTEMPTS', 'AUTH_MFA_TRUSTED_DEVICE_DAYS']);
    expect(
      problemsOf({
        ...secret,
        AUTH_MFA_ISSUER: 'Acme:Corp',
        AUTH_MFA_EMAIL_CODE_TTL_SECONDS: '120',
        AUTH_MFA_EMAIL_CODE_RESEND_SECONDS: '120',
      })
        .map((problem) => problem.split(':', 1)[0])
        .sort(),
    ).toEqual(['AUTH_MFA_EMAIL_CODE_RESEND_SECONDS', 'AUTH_MFA_ISSUER']);
  });
});
