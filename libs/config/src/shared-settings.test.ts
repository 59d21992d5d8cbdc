import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  authDeprecatedNames,
  gatewayDeprecatedNames,
  loadConfigWithDeprecatedNames,
  resolveDeprecatedNames,
} from './deprecated-names.js';
import { env } from './env.js';
import { ConfigError } from './load-config.js';
import {
  checkSharedSettings,
  sharedSettingsFrom,
  sharedSettingsVariables,
} from './shared-settings.js';

/** A service schema the way gateway and auth build theirs: own names plus the shared fragment. */
const serviceSchema = z
  .object({ APP_PORT: env.port(8000), ...sharedSettingsVariables })
  .superRefine(checkSharedSettings)
  .transform((vars) => ({ port: vars.APP_PORT, ...sharedSettingsFrom(vars) }));

const secret = { AUTHFLOW_HANDOFF_SECRET: 's'.repeat(32) };

function problemsOf(environment: Record<string, string>): readonly string[] {
  try {
    loadConfigWithDeprecatedNames(serviceSchema, environment, gatewayDeprecatedNames);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('the shared settings fragment', () => {
  it('has the design defaults: 1 h idle, 1 week absolute, secure cookie, browser facts enforced, IP observed', () => {
    const { config, deprecations } = loadConfigWithDeprecatedNames(
      serviceSchema,
      secret,
      gatewayDeprecatedNames,
    );
    expect(deprecations).toEqual([]);
    expect(config).toEqual({
      port: 8000,
      sessions: { idleTtlMs: 3_600_000, absoluteTtlMs: 604_800_000, cookieSecure: true },
      fingerprint: {
        ipGranularity: 'prefix',
        policy: {
          userAgent: 'enforce',
          language: 'enforce',
          platform: 'enforce',
          mobile: 'enforce',
          ip: 'observe',
        },
      },
      handoffSecret: 's'.repeat(32),
    });
  });

  it('reads every AUTHFLOW_* value and checks the rules between them', () => {
    const { config } = loadConfigWithDeprecatedNames(
      serviceSchema,
      {
        ...secret,
        AUTHFLOW_SESSION_IDLE_TTL_SECONDS: '60',
        AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS: '120',
        AUTHFLOW_COOKIE_SECURE: 'false',
        AUTHFLOW_FINGERPRINT_IP_GRANULARITY: 'exact',
        AUTHFLOW_FINGERPRINT_USER_AGENT: 'observe',
        AUTHFLOW_FINGERPRINT_IP: 'enforce',
      },
      gatewayDeprecatedNames,
    );
    expect(config.sessions).toEqual({
      idleTtlMs: 60_000,
      absoluteTtlMs: 120_000,
      cookieSecure: false,
    });
    expect(config.fingerprint).toMatchObject({
      ipGranularity: 'exact',
      policy: { userAgent: 'observe', ip: 'enforce' },
    });
    expect(
      problemsOf({
        AUTHFLOW_SESSION_IDLE_TTL_SECONDS: '10',
        AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS: '5',
        AUTHFLOW_FINGERPRINT_LANGUAGE: 'ignore',
      }),
    ).toEqual([
      'AUTHFLOW_FINGERPRINT_LANGUAGE: must be one of enforce, observe',
      'AUTHFLOW_HANDOFF_SECRET: is required',
    ]);
    expect(
      problemsOf({
        ...secret,
        AUTHFLOW_SESSION_IDLE_TTL_SECONDS: '10',
        AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS: '5',
      }),
    ).toEqual([
      'AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS: must not be shorter than AUTHFLOW_SESSION_IDLE_TTL_SECONDS',
    ]);
  });
});

describe('deprecated names', () => {
  it('reads an old name as its new one and returns one deprecation naming the replacement', () => {
    const { config, deprecations } = loadConfigWithDeprecatedNames(
      serviceSchema,
      { ...secret, GATEWAY_COOKIE_SECURE: 'false', GATEWAY_FINGERPRINT_USER_AGENT: 'observe' },
      gatewayDeprecatedNames,
    );
    expect(config.sessions.cookieSecure).toBe(false);
    expect(config.fingerprint.policy.userAgent).toBe('observe');
    expect(deprecations.map(({ name, replacement }) => [name, replacement])).toEqual([
      ['GATEWAY_COOKIE_SECURE', 'AUTHFLOW_COOKIE_SECURE'],
      ['GATEWAY_FINGERPRINT_USER_AGENT', 'AUTHFLOW_FINGERPRINT_USER_AGENT'],
    ]);
    expect(deprecations[0]?.message).toBe(
      'GATEWAY_COOKIE_SECURE is deprecated and will stop working in the next release: set AUTHFLOW_COOKIE_SECURE instead (one setting shared by gateway and auth)',
    );
  });

  it('accepts old and new set to the same value (as parsed: 1 and true agree), still warning', () => {
    const { config, deprecations } = loadConfigWithDeprecatedNames(
      serviceSchema,
      { ...secret, GATEWAY_COOKIE_SECURE: '1', AUTHFLOW_COOKIE_SECURE: 'true' },
      gatewayDeprecatedNames,
    );
    expect(config.sessions.cookieSecure).toBe(true);
    expect(deprecations.map(({ name }) => name)).toEqual(['GATEWAY_COOKIE_SECURE']);
  });

  it('refuses old and new names set to different values, with every other problem', () => {
    expect(
      problemsOf({
        ...secret,
        GATEWAY_SESSION_IDLE_TTL_SECONDS: '600',
        AUTHFLOW_SESSION_IDLE_TTL_SECONDS: '900',
        APP_PORT: 'x',
      }),
    ).toEqual([
      'GATEWAY_SESSION_IDLE_TTL_SECONDS: deprecated name of AUTHFLOW_SESSION_IDLE_TTL_SECONDS, which is set to a different value; set only AUTHFLOW_SESSION_IDLE_TTL_SECONDS',
      'APP_PORT: must be a port number (0-65535)',
    ]);
  });

  it('names the old variable when the value given under it is wrong', () => {
    expect(problemsOf({ ...secret, GATEWAY_COOKIE_SECURE: 'perhaps' })).toEqual([
      'GATEWAY_COOKIE_SECURE: must be true or false',
    ]);
  });

  it('treats a blank old name as unset, and leaves names of the other service alone', () => {
    const resolved = resolveDeprecatedNames(
      { GATEWAY_COOKIE_SECURE: ' ', AUTH_COOKIE_SECURE: 'false' },
      gatewayDeprecatedNames,
    );
    expect(resolved.deprecations).toEqual([]);
    expect(resolved.environment.AUTHFLOW_COOKIE_SECURE).toBeUndefined();
  });

  it('maps every old name onto a shared setting, gateway and auth alike', () => {
    for (const names of [gatewayDeprecatedNames, authDeprecatedNames])
      for (const replacement of Object.values(names))
        expect(Object.keys(sharedSettingsVariables)).toContain(replacement);
    expect(Object.keys(authDeprecatedNames)).toEqual([
      'AUTH_SESSION_IDLE_TTL_SECONDS',
      'AUTH_SESSION_ABSOLUTE_TTL_SECONDS',
      'AUTH_COOKIE_SECURE',
    ]);
    const { config } = loadConfigWithDeprecatedNames(
      serviceSchema,
      { ...secret, AUTH_SESSION_IDLE_TTL_SECONDS: '60' },
      authDeprecatedNames,
    );
    expect(config.sessions.idleTtlMs).toBe(60_000);
  });
});
