import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../../config/load-config.js';
import { createSupabaseProvider } from './create-supabase-provider.js';

/** A logger that keeps what was warned. */
function recordingLogger(): { logger: FastifyBaseLogger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  const logger = {
    level: 'info',
    warn: (_fields: unknown, message?: string) => warnings.push(String(message)),
    info: ignore,
    error: ignore,
    debug: ignore,
    fatal: ignore,
    trace: ignore,
    silent: ignore,
    child: () => logger,
  } as unknown as FastifyBaseLogger;
  return { logger, warnings };
}

function configWith(serviceRoleKey: string, forward = 'true') {
  return loadAuthConfig({
    AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32),
    AUTH_IDENTITY_PROVIDER: 'supabase',
    AUTH_SUPABASE_URL: 'http://127.0.0.1:9',
    AUTH_SUPABASE_ANON_KEY: 'sb_publishable_test',
    AUTH_SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
    AUTH_SUPABASE_FORWARD_CLIENT_IP: forward,
  });
}

describe('createSupabaseProvider', () => {
  it.each([
    [
      'a legacy service-role JWT',
      'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig',
      'true',
    ],
    ['forwarding turned off', 'sb_secret_0123456789', 'false'],
  ])('warns at start that every user shares one IP with %s', async (_case, key, forward) => {
    const { logger, warnings } = recordingLogger();
    const provider = await createSupabaseProvider(configWith(key, forward), logger);
    expect(warnings).toEqual([expect.stringContaining("Supabase will see this server's IP")]);
    expect(warnings.join()).not.toContain(key);
    await provider.close();
  });

  it('stays quiet with a secret key and forwarding on', async () => {
    const { logger, warnings } = recordingLogger();
    const provider = await createSupabaseProvider(configWith('sb_secret_0123456789'), logger);
    expect(warnings).toEqual([]);
    await provider.close();
  });
});
