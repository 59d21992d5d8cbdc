// Opens auth's dependencies behind their breakers: auth's database and the mail queue, each
// breaker (and Supabase's) exported as a metric and its state changes logged once.
import { logBreakerTransitions } from '@authflow/resilience';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthConfig } from '../config/load-config.js';
import type { Database } from '../identity/builtin/database.js';
import { createDatabaseBreaker } from '../identity/builtin/guarded-database.js';
import { openIdentityDatabase } from '../identity/create-identity-provider.js';
import type { IdentityProvider } from '../identity/identity-provider.js';
import { SupabaseIdentityProvider } from '../identity/supabase/supabase-provider.js';
import type { Mailer } from '../mail/mailer.js';
import { MailQueue } from '../mail/queue/mail-queue.js';
import { MemoryOutboxStore } from '../mail/queue/memory-outbox-store.js';
import { SqlOutboxStore } from '../mail/queue/outbox-store.js';
import type { AuthMetrics } from '../observability/auth-metrics.js';

/** What every dependency breaker is watched with: its state metric and its transition logs. */
export interface BreakerWatch {
  readonly metrics: AuthMetrics;
  readonly logger: FastifyBaseLogger;
  readonly resetTimeoutMs: number;
}

export function watchBreaker(
  watch: BreakerWatch,
  breaker: Parameters<AuthMetrics['breakers']['track']>[0],
  effect: string,
): void {
  watch.metrics.breakers.track(breaker);
  logBreakerTransitions(breaker, watch.logger, { effect });
}

/** The Supabase provider's breaker (the built-in store's is watched where it is made). */
export function watchProviderBreaker(watch: BreakerWatch, provider: IdentityProvider): void {
  if (!(provider instanceof SupabaseIdentityProvider)) return;
  watchBreaker(watch, provider.breaker, 'sign-in, sign-up and account pages answer 503');
}

/**
 * Auth's own database (Postgres at AUTH_DATABASE_URL, else embedded PGlite), migrated, behind its
 * breaker: opened with either provider. The built-in provider keeps its accounts there; with both,
 * it holds the mail queue and AuthFlow's second-factor data (recovery codes, the email factor).
 * The built-in provider closes it; with Supabase, the close is added to `closers`.
 */
export async function openBuiltinDatabase(
  config: AuthConfig,
  watch: BreakerWatch,
  given?: Database,
  closers?: (() => Promise<void>)[],
): Promise<Database> {
  const breaker = createDatabaseBreaker({ resetTimeoutMs: watch.resetTimeoutMs });
  watchBreaker(
    watch,
    breaker,
    config.identity.provider === 'builtin'
      ? 'sign-in, sign-up and account pages answer 503'
      : 'second-factor sign-ins and settings answer 503',
  );
  const db = await openIdentityDatabase(config, watch.logger, breaker, given);
  if (config.identity.provider !== 'builtin') closers?.push(() => db.close());
  return db;
}

export function createMailQueue(
  config: AuthConfig,
  db: Database | undefined,
  transport: Mailer,
  watch: BreakerWatch,
): MailQueue {
  if (db === undefined && config.identity.provider === 'supabase') {
    watch.logger.info(
      'mail queue in memory: new-device notices wait through a mail server outage, but not a restart (Supabase sends the account mail)',
    );
  }
  const store = db === undefined ? new MemoryOutboxStore() : new SqlOutboxStore(db);
  // Counted when /metrics is scraped, not on every worker pass (each sent mail wakes one).
  watch.metrics.measureMailQueueDepth(() => store.depth());
  const queue = new MailQueue({
    store,
    transport,
    logger: watch.logger,
    retry: { baseMs: config.mail.queue.retryBaseMs, maxMs: config.mail.queue.retryMaxMs },
    pollIntervalMs: config.mail.queue.pollIntervalMs,
    maxAgeMs: config.mail.queue.maxAgeMs,
    breakerResetMs: watch.resetTimeoutMs,
    metrics: { deliveries: watch.metrics.mailDeliveries },
  });
  watchBreaker(watch, queue.breaker, 'mail stays queued');
  return queue;
}
