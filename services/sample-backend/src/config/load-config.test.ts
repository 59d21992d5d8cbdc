import { ConfigError } from '@authflow/config';
import { describe, expect, it } from 'vitest';
import { loadSampleBackendConfig } from './load-config.js';

describe('loadSampleBackendConfig', () => {
  it('defaults to the local gateway and this upstream name', () => {
    expect(loadSampleBackendConfig({})).toEqual({
      server: { host: '127.0.0.1', port: 8002, trustedProxies: [], shutdownDrainMs: 10_000 },
      log: { level: 'info' },
      assertion: {
        jwksUrl: 'http://127.0.0.1:8000/.well-known/jwks.json',
        issuer: 'http://localhost:8000',
        audience: 'sample-backend',
      },
    });
  });

  it('finds the gateway at GATEWAY_HOST and GATEWAY_PORT when no JWKS URL is given (split mode)', () => {
    const config = loadSampleBackendConfig({ GATEWAY_HOST: '0.0.0.0', GATEWAY_PORT: '9100' });
    expect(config.assertion.jwksUrl).toBe('http://127.0.0.1:9100/.well-known/jwks.json');
  });

  it('reads every variable, and normalises the issuer as the gateway does its public URL', () => {
    const config = loadSampleBackendConfig({
      SAMPLE_BACKEND_HOST: '0.0.0.0',
      SAMPLE_BACKEND_PORT: '9002',
      SAMPLE_BACKEND_LOG_LEVEL: 'warn',
      SAMPLE_BACKEND_SHUTDOWN_DRAIN_MS: '500',
      SAMPLE_BACKEND_TRUSTED_PROXIES: '10.0.0.0/8, loopback',
      SAMPLE_BACKEND_GATEWAY_JWKS_URL: 'https://gateway.internal/.well-known/jwks.json',
      SAMPLE_BACKEND_ASSERTION_ISSUER: 'https://app.example.com/',
      SAMPLE_BACKEND_ASSERTION_AUDIENCE: 'orders',
    });
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 9002,
      trustedProxies: ['10.0.0.0/8', 'loopback'],
      shutdownDrainMs: 500,
    });
    expect(config.log.level).toBe('warn');
    expect(config.assertion).toEqual({
      jwksUrl: 'https://gateway.internal/.well-known/jwks.json',
      issuer: 'https://app.example.com',
      audience: 'orders',
    });
  });

  it('lists every problem at once, naming the variables', () => {
    let error: unknown;
    try {
      loadSampleBackendConfig({
        SAMPLE_BACKEND_PORT: 'eighty',
        SAMPLE_BACKEND_LOG_LEVEL: 'loud',
        SAMPLE_BACKEND_GATEWAY_JWKS_URL: 'ftp://gateway/jwks',
        SAMPLE_BACKEND_ASSERTION_ISSUER: 'not a url',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'SAMPLE_BACKEND_PORT',
      'SAMPLE_BACKEND_LOG_LEVEL',
      'SAMPLE_BACKEND_GATEWAY_JWKS_URL',
      'SAMPLE_BACKEND_ASSERTION_ISSUER',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it('is frozen', () => {
    const config = loadSampleBackendConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.assertion)).toBe(true);
    expect(Object.isFrozen(config.server.trustedProxies)).toBe(true);
  });
});
