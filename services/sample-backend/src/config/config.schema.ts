// The sample backend's environment: one zod schema, SAMPLE_BACKEND_* names, transformed into its config.
import { env } from '@authflow/config';
import { z } from 'zod';

/** Every environment variable the sample backend reads (the README's table is checked against it). */
export const sampleBackendEnvVariables = z.object({
  SAMPLE_BACKEND_HOST: env.string('127.0.0.1'),
  SAMPLE_BACKEND_PORT: env.port(8002),
  SAMPLE_BACKEND_LOG_LEVEL: env.oneOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    'info',
  ),
  SAMPLE_BACKEND_SHUTDOWN_DRAIN_MS: env.integer(10_000, { min: 0, max: 600_000 }),
  SAMPLE_BACKEND_TRUSTED_PROXIES: env.list(),
  SAMPLE_BACKEND_GATEWAY_JWKS_URL: env.url('http://127.0.0.1:8000/.well-known/jwks.json'),
  // A URL like the gateway's GATEWAY_PUBLIC_URL, normalised the same way (no trailing slash), so
  // the two compare equal when they name the same address.
  SAMPLE_BACKEND_ASSERTION_ISSUER: env.url('http://localhost:8000'),
  SAMPLE_BACKEND_ASSERTION_AUDIENCE: env.string('sample-backend'),
});

export const sampleBackendEnvSchema = sampleBackendEnvVariables.transform((vars) => ({
  server: {
    host: vars.SAMPLE_BACKEND_HOST,
    port: vars.SAMPLE_BACKEND_PORT,
    trustedProxies: vars.SAMPLE_BACKEND_TRUSTED_PROXIES,
    shutdownDrainMs: vars.SAMPLE_BACKEND_SHUTDOWN_DRAIN_MS,
  },
  log: { level: vars.SAMPLE_BACKEND_LOG_LEVEL },
  assertion: {
    jwksUrl: vars.SAMPLE_BACKEND_GATEWAY_JWKS_URL,
    issuer: vars.SAMPLE_BACKEND_ASSERTION_ISSUER,
    audience: vars.SAMPLE_BACKEND_ASSERTION_AUDIENCE,
  },
}));

export type SampleBackendEnvConfig = z.output<typeof sampleBackendEnvSchema>;
