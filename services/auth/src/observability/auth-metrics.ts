// The auth service's own metrics, registered on the app's registry (DESIGN.md §10).
import { BreakerMetrics } from '@authflow/resilience';
import { Counter, Gauge, type Registry } from 'prom-client';

export const METRIC_PREFIX = 'authflow_auth_';

export class AuthMetrics {
  readonly logins: Counter<'outcome'>;
  readonly breakers: BreakerMetrics;
  readonly mailQueueDepth: Gauge;
  readonly mailDeliveries: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.logins = new Counter({
      name: `${METRIC_PREFIX}logins_total`,
      help: 'Sign-in attempts by outcome (ok, invalid_credentials, email_not_confirmed, rate_limited, ...)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.breakers = new BreakerMetrics(registry, METRIC_PREFIX);
    this.mailQueueDepth = new Gauge({
      name: `${METRIC_PREFIX}mail_queue_depth`,
      help: 'Mail queued and not yet sent (nor given up), as of the mail worker last pass',
      registers: [registry],
    });
    this.mailDeliveries = new Counter({
      name: `${METRIC_PREFIX}mail_deliveries_total`,
      help: 'Mail delivery attempts by outcome (sent, retry, given_up)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }
}
