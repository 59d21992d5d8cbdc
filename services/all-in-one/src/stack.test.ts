// The all-in-one's development defaults: what `npm start` configures without being told.
import { loadAuthConfig } from '@authflow/auth';
import { loadGatewayConfig } from '@authflow/gateway';
import { describe, expect, it } from 'vitest';
import { allInOneEnvironment, localEdgeOrigins } from './stack.js';

const allowedOrigins = (env: Record<string, string>): readonly string[] =>
  loadAuthConfig(allInOneEnvironment(env)).server.allowedOrigins;

describe('npm start with npm run start:edge (issue 13)', () => {
  it("accepts sign-ins from its own origin and from the edge's default origins", () => {
    expect(allowedOrigins({})).toEqual([
      'http://localhost:8000',
      'http://localhost:8080',
      'http://127.0.0.1:8080',
    ]);
  });

  it('follows EDGE_PORT, the variable start:edge reads, with or without an address', () => {
    expect(localEdgeOrigins({ EDGE_PORT: '9090' })).toEqual([
      'http://localhost:9090',
      'http://127.0.0.1:9090',
    ]);
    expect(localEdgeOrigins({ EDGE_PORT: '127.0.0.1:9090' })).toEqual([
      'http://localhost:9090',
      'http://127.0.0.1:9090',
    ]);
    expect(localEdgeOrigins({ EDGE_PORT: ' ' })).toEqual([
      'http://localhost:8080',
      'http://127.0.0.1:8080',
    ]);
    expect(localEdgeOrigins({ EDGE_PORT: 'not a port' })).toEqual([]);
  });

  it('names each origin once when the public URL is the edge', () => {
    expect(allowedOrigins({ GATEWAY_PUBLIC_URL: 'http://localhost:8080/' })).toEqual([
      'http://localhost:8080',
      'http://127.0.0.1:8080',
    ]);
  });

  it("believes the local edge's forwarded host and client IP", async () => {
    const gateway = await loadGatewayConfig(allInOneEnvironment({}));
    expect(gateway.server.trustedProxies).toEqual(['loopback']);
  });

  it('lets AUTH_ALLOWED_ORIGINS replace the defaults', () => {
    expect(allowedOrigins({ AUTH_ALLOWED_ORIGINS: 'https://auth.example' })).toEqual([
      'https://auth.example',
    ]);
  });

  it('leaves a bad GATEWAY_PUBLIC_URL to the configuration check', () => {
    expect(() => allowedOrigins({ GATEWAY_PUBLIC_URL: 'not a url' })).toThrow(
      'AUTH_PUBLIC_URL: must be a URL',
    );
  });
});
