// The auth service's own metrics, registered on the app's registry (DESIGN.md §10).
import { BreakerMetrics } from '@authflow/resilience';
import { Counter, Gauge, type Registry } from 'prom-client';

export const METRIC_PREFIX = 'authflow_auth_';

export class AuthMetrics {
  readonly logins: Counter<'outcome'>;
  readonly breakers: BreakerMetrics;
  readonly mailQueueDepth: Gauge;
  readonly mailDeliveries: Counter<'outcome'>;
  #readMailQueueDepth: (() => Promise<number>) | undefined;

  constructor(registry: Registry) {
    this.logins = new Counter({
      name: `${METRIC_PREFIX}logins_total`,
      help: 'Sign-in attempts by outcome (ok, invalid_credentials, email_not_confirmed, rate_limited, ...)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.breakers = new BreakerMetrics(registry, METRIC_PREFIX);
    const depth: Gauge = new Gauge({
      name: `${METRIC_PREFIX}mail_queue_depth`,
      help: 'Mail queued and not yet sent (nor given up), counted at each scrape',
      registers: [registry],
      collect: async () => {
        if (this.#readMailQueueDepth === undefined) return;
        try {
          depth.set(await this.#readMailQueueDepth());
        } catch {
          // The outbox's database is down (its breaker logs that): /metrics still answers, with
          // the last count it could read.
        }
      },
    });
    this.mailQueueDepth = depth;
    this.mailDeliveries = new Counter({
      name: `${METRIC_PREFIX}mail_deliveries_total`,
      help: 'Mail delivery attempts by outcome (sent, retry, given_up)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  /** Where `mail_queue_depth` is counted when /metrics is scraped (the outbox's depth). */
  measureMailQueueDepth(read: () => Promise<number>): void {
    this.#readMailQueueDepth = read;
  }
}
