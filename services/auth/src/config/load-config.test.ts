import { ConfigError } from '@authflow/config';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from './load-config.js';

const secret = { AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32) };

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
