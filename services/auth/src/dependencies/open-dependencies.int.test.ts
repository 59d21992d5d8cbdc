// Auth opens its own database with either provider: with Supabase it holds the mail queue and the
// second-factor data, and the service closes it (the Supabase provider does not).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@authflow/observability';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../config/load-config.js';
import { createPgliteDatabase } from '../identity/builtin/database.js';
import { AuthMetrics } from '../observability/auth-metrics.js';
import { openBuiltinDatabase } from './open-dependencies.js';

async function supabaseConfig() {
  return loadAuthConfig({
    AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32),
    AUTH_IDENTITY_PROVIDER: 'supabase',
    AUTH_SUPABASE_URL: 'http://127.0.0.1:9',
    AUTH_SUPABASE_ANON_KEY: 'sb_publishable_test',
    AUTH_SUPABASE_SERVICE_ROLE_KEY: 'sb_secret_test',
    AUTH_DATA_DIR: await mkdtemp(join(tmpdir(), 'authflow-supabase-db-')),
  });
}

const watch = () => ({
  metrics: new AuthMetrics(new Registry()),
  logger: createLogger({ service: 'test', level: 'silent' }),
  resetTimeoutMs: 1_000,
});

describe('the auth database', { timeout: 60_000 }, () => {
  it('is opened and migrated with Supabase as the provider, and closed by the service', async () => {
    const closers: (() => Promise<void>)[] = [];
    const db = await openBuiltinDatabase(await supabaseConfig(), watch(), undefined, closers);
    const { rows } = await db.query<{ name: string }>(
      `select table_name as name from information_schema.tables
       where table_name in ('mail_outbox', 'totp_factors', 'recovery_codes', 'email_factors')
       order by table_name`,
    );
    expect(rows.map(({ name }) => name)).toEqual([
      'email_factors',
      'mail_outbox',
      'recovery_codes',
      'totp_factors',
    ]);
    expect(closers).toHaveLength(1);
    for (const close of closers) await close();
    await expect(db.query('select 1')).rejects.toThrow();
  });

  it('leaves closing to the built-in provider when it owns the database', async () => {
    const closers: (() => Promise<void>)[] = [];
    const config = loadAuthConfig({ AUTHFLOW_HANDOFF_SECRET: 'x'.repeat(32) });
    const given = await createPgliteDatabase('memory://');
    const db = await openBuiltinDatabase(config, watch(), given, closers);
    expect(closers).toEqual([]);
    await db.close();
  });
});
