// Placeholder until the Supabase provider lands (issue: Supabase Auth as identity provider).
import type { FastifyBaseLogger } from 'fastify';
import type { AuthConfig } from '../../config/load-config.js';
import type { IdentityProvider } from '../identity-provider.js';

export function createSupabaseProvider(
  _config: AuthConfig,
  _logger: FastifyBaseLogger,
): Promise<IdentityProvider> {
  return Promise.reject(new Error('AUTH_IDENTITY_PROVIDER=supabase is not available yet'));
}
