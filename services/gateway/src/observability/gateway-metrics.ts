// The gateway's own metrics, registered on the app's registry (DESIGN.md §10).
import { BreakerMetrics } from '@authflow/resilience';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const METRIC_PREFIX = 'authflow_gateway_';

export class GatewayMetrics {
  readonly verdicts: Counter<'reason'>;
  readonly policyDenials: Counter<'code'>;
  readonly cache: Counter<'result'>;
  readonly storeLatency: Histogram<'operation' | 'outcome'>;
  readonly fingerprintDifferences: Counter<'part' | 'policy'>;
  readonly revocationsReceived: Counter;
  readonly websocketsOpen: Gauge;
  readonly auditDropped: Counter;
  readonly fastPath: Counter;
  readonly breakers: BreakerMetrics;

  constructor(registry: Registry) {
    const registers = [registry];
    this.verdicts = new Counter({
      name: `${METRIC_PREFIX}verdicts_total`,
      help: 'Verification outcomes on protected routes and /verify, by reason (ok or the denial code)',
      labelNames: ['reason'],
      registers,
    });
    this.policyDenials = new Counter({
      name: `${METRIC_PREFIX}policy_denials_total`,
      help: 'Requests a route policy refused, by code (forbidden, mfa_required)',
      labelNames: ['code'],
      registers,
    });
    this.cache = new Counter({
      name: `${METRIC_PREFIX}session_cache_total`,
      help: 'Session lookups by cache result: hit, miss, or bypass (cache off or revocations not live)',
      labelNames: ['result'],
      registers,
    });
    this.storeLatency = new Histogram({
      name: `${METRIC_PREFIX}redis_command_duration_seconds`,
      help: 'Session store calls by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.fingerprintDifferences = new Counter({
      name: `${METRIC_PREFIX}fingerprint_differences_total`,
      help: 'Requests whose fingerprint part differed from the session, by part and policy',
      labelNames: ['part', 'policy'],
      registers,
    });
    this.revocationsReceived = new Counter({
      name: `${METRIC_PREFIX}revocations_received_total`,
      help: 'Revocation messages received on the revocation channel',
      registers,
    });
    this.websocketsOpen = new Gauge({
      name: `${METRIC_PREFIX}websockets_open`,
      help: 'WebSocket connections currently proxied',
      registers,
    });
    this.auditDropped = new Counter({
      name: `${METRIC_PREFIX}audit_dropped_total`,
      help: 'Audit events that could not be written to the audit stream (Redis down, slow or refusing)',
      registers,
    });
    this.fastPath = new Counter({
      name: `${METRIC_PREFIX}fast_path_requests_total`,
      help: 'Proxied requests the fast path took (a cached session that passes): the rest go through fastify',
      registers,
    });
    this.breakers = new BreakerMetrics(registry, METRIC_PREFIX);
  }
}
