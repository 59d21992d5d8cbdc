// The auth service's own metrics, registered on the app's registry (DESIGN.md §10).
import { BreakerMetrics } from '@authflow/resilience';
import { Counter, type Registry } from 'prom-client';

export const METRIC_PREFIX = 'authflow_auth_';

export class AuthMetrics {
  readonly logins: Counter<'outcome'>;
  readonly breakers: BreakerMetrics;

  constructor(registry: Registry) {
    this.logins = new Counter({
      name: `${METRIC_PREFIX}logins_total`,
      help: 'Sign-in attempts by outcome (ok, invalid_credentials, email_not_confirmed, rate_limited, ...)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.breakers = new BreakerMetrics(registry, METRIC_PREFIX);
  }
}
