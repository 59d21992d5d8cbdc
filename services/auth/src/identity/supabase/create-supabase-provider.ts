// Builds the Supabase provider from configuration, and says at start what it can and cannot do.
import { ConfigError } from '@authflow/config';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthConfig } from '../../config/load-config.js';
import type { IdentityProvider } from '../identity-provider.js';
import { isSecretKey, SupabaseIdentityProvider } from './supabase-provider.js';

export function createSupabaseProvider(
  config: AuthConfig,
  logger: FastifyBaseLogger,
): Promise<IdentityProvider> {
  const { url, anonKey, serviceRoleKey, timeoutMs, forwardClientIp } = config.identity.supabase;
  if (url === undefined || anonKey === undefined || serviceRoleKey === undefined) {
    // The schema already requires them with AUTH_IDENTITY_PROVIDER=supabase.
    return Promise.reject(
      new ConfigError([
        'AUTH_SUPABASE_URL, AUTH_SUPABASE_ANON_KEY and AUTH_SUPABASE_SERVICE_ROLE_KEY are required',
      ]),
    );
  }
  const provider = new SupabaseIdentityProvider({
    url,
    anonKey,
    serviceRoleKey,
    timeoutMs,
    forwardClientIp,
    links: {
      verifyEmail: `${config.server.publicUrl}/auth/email-verified`,
      resetPassword: `${config.server.publicUrl}/auth/reset-password`,
      confirmEmailChange: `${config.server.publicUrl}/auth/account/email/confirm`,
    },
    breaker: { resetTimeoutMs: config.resilience.breakerResetMs },
  });
  if (!provider.forwardsClientIp) {
    logger.warn(
      { forwardClientIp, secretKey: isSecretKey(serviceRoleKey) },
      "Supabase will see this server's IP for every user: its per-IP limits (sign-ups, sign-ins, resets) apply to all users together. " +
        'Set AUTH_SUPABASE_SERVICE_ROLE_KEY to a secret key (sb_secret_...), keep AUTH_SUPABASE_FORWARD_CLIENT_IP=true and enable IP address forwarding in the project.',
    );
  }
  return Promise.resolve(provider);
}
