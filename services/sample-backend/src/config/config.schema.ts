// The sample backend's environment: one zod schema, SAMPLE_BACKEND_* names, transformed into its config.
import { env, gatewayAddressVariables, localGatewayJwksUrl } from '@authflow/config';
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
  /** Default: the gateway on this machine, at GATEWAY_HOST/GATEWAY_PORT (split mode shares .env). */
  SAMPLE_BACKEND_GATEWAY_JWKS_URL: env.optionalUrl(),
  ...gatewayAddressVariables,
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
    jwksUrl:
      vars.SAMPLE_BACKEND_GATEWAY_JWKS_URL ??
      localGatewayJwksUrl(vars.GATEWAY_HOST, vars.GATEWAY_PORT),
    issuer: vars.SAMPLE_BACKEND_ASSERTION_ISSUER,
    audience: vars.SAMPLE_BACKEND_ASSERTION_AUDIENCE,
  },
}));

export type SampleBackendEnvConfig = z.output<typeof sampleBackendEnvSchema>;
