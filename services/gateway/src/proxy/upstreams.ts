// One keep-alive pool and one breaker per upstream, shared by every route to it.
import type { AuthflowError } from '@authflow/errors';
import { type Breaker, createBreaker, isBreakerOpenError } from '@authflow/resilience';
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/routes-file.js';
import { gatewayErrors } from '../errors/gateway-errors.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { isBodyTooLarge } from './body-limit.js';
import {
  ClientClosedError,
  codesOf,
  UpstreamServerError,
  UpstreamTimeoutError,
} from './forward-errors.js';
import { upstreamConnector } from './upstream-connector.js';
import { probeWhenRefused } from './upstream-probe.js';

export interface Upstream {
  readonly name: string;
  readonly url: string;
  /** `scheme://host:port` of the url: requests go there (a path in the url is not a prefix). */
  readonly origin: string;
  /** The `Host` header upstream requests carry. */
  readonly host: string;
  readonly pool: Pool;
  readonly breaker: Breaker<[() => Promise<void>], void>;
  readonly timeoutMs: number;
  readonly retryAfterSeconds: number;
  /** Whether a 5xx the upstream answers counts against its breaker. */
  readonly countServerErrors: boolean;
  /** Exchanges admitted at most at once: pooled connections plus the queue behind them. */
  readonly capacity: number;
  /** Exchanges admitted and not finished (on a connection or waiting for one). */
  readonly load: { inFlight: number };
}

/** A place among an upstream's admitted exchanges; released once, however the exchange ends. */
export interface UpstreamLease {
  release(): void;
}

const TIMEOUT_CODES = new Set([
  'AUTHFLOW_UPSTREAM_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Retry-After for a saturated upstream: its queue drains in moments, not a breaker reset. */
const SATURATED_RETRY_AFTER_SECONDS = 1;

export function createUpstreams(
  configs: Readonly<Record<string, UpstreamConfig>>,
  metrics: GatewayMetrics,
): Map<string, Upstream> {
  const upstreams = new Map<string, Upstream>();
  for (const [name, config] of Object.entries(configs)) {
    const pool = new Pool(config.url, {
      connections: config.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: upstreamConnector(config.connectTimeoutMs),
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
    });
    const breaker = createBreaker((attempt: () => Promise<void>) => attempt(), {
      name: `upstream:${name}`,
      // Each exchange has its own deadline (forward-http.ts); a breaker timeout would race it.
      timeoutMs: false,
      errorThresholdPercentage: config.breaker.errorThresholdPercentage,
      resetTimeoutMs: config.breaker.resetTimeoutMs,
      volumeThreshold: config.breaker.volumeThreshold,
      // The error rate is failures over calls started in the window, finished or not. A window
      // no longer than the timeout keeps the calls still waiting on a stuck upstream from
      // diluting the timeouts as they arrive, so the breaker opens about one timeout after the
      // upstream stops answering.
      rollingWindowMs: Math.min(10_000, Math.max(1_000, config.timeoutMs)),
      isFailure: isUpstreamFault,
    });
    metrics.breakers.track(breaker);
    probeWhenRefused(breaker, config.url, config.connectTimeoutMs);
    const { origin, host } = new URL(config.url);
    upstreams.set(name, {
      name,
      url: config.url,
      origin,
      host,
      pool,
      breaker,
      timeoutMs: config.timeoutMs,
      retryAfterSeconds: Math.max(1, Math.ceil(config.breaker.resetTimeoutMs / 1_000)),
      countServerErrors: config.breaker.countServerErrors,
      capacity: config.connections + (config.maxQueued ?? config.connections * 2),
      load: { inFlight: 0 },
    });
  }
  return upstreams;
}

export async function closeUpstreams(upstreams: ReadonlyMap<string, Upstream>): Promise<void> {
  await Promise.all(
    [...upstreams.values()].map(async (upstream) => {
      upstream.breaker.shutdown();
      await upstream.pool.close();
    }),
  );
}

/**
 * Admits one more exchange to the upstream, or `undefined` when every connection is busy and the
 * queue behind them is full: a request that would only wait is refused at once instead.
 */
export function admit(upstream: Upstream): UpstreamLease | undefined {
  if (upstream.load.inFlight >= upstream.capacity) return undefined;
  upstream.load.inFlight += 1;
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      upstream.load.inFlight -= 1;
    },
  };
}

/**
 * What counts against an upstream's breaker: connection failures (refused, reset before an
 * answer, closed mid-response), timeouts, and the server errors it answers itself (when
 * `countServerErrors`). Never: a body over the limit, a client that left or was too slow to send
 * its body, a request undici refuses to send. (A saturated queue is refused before the breaker.)
 */
function isUpstreamFault(error: unknown): boolean {
  if (error instanceof UpstreamServerError) return true;
  if (error instanceof UpstreamTimeoutError) return !error.clientBodyPending;
  return (
    !isBodyTooLarge(error) &&
    !(error instanceof ClientClosedError) &&
    !isRequestRefusedByClient(error)
  );
}

/**
 * The answer for a failed proxy attempt: 504 on a timeout, 413 for our body limit, 400 for a
 * request undici will not send as it is, else 503.
 */
export function upstreamFailure(error: unknown, upstream: Upstream): AuthflowError {
  if (isBodyTooLarge(error)) return gatewayErrors.create('payload_too_large', { cause: error });
  if (isRequestRefusedByClient(error))
    return gatewayErrors.create('bad_request', {
      message: 'The request cannot be forwarded as it is.',
      cause: error,
    });
  const retryAfter = { 'retry-after': String(upstream.retryAfterSeconds) };
  if (isBreakerOpenError(error))
    return gatewayErrors.create('upstream_unavailable', { headers: retryAfter, cause: error });
  if (codesOf(error).some((code) => TIMEOUT_CODES.has(code))) {
    return gatewayErrors.create('upstream_timeout', { cause: error });
  }
  return gatewayErrors.create('upstream_unavailable', { headers: retryAfter, cause: error });
}

/** undici refused the request before sending it (a header it will not forward): not the upstream's fault. */
function isRequestRefusedByClient(error: unknown): boolean {
  return codesOf(error).includes('UND_ERR_INVALID_ARG');
}

const SATURATED_HEADERS = { 'retry-after': String(SATURATED_RETRY_AFTER_SECONDS) };

/** The answer when every connection is busy and the queue is full: the gateway's own refusal. */
export function upstreamSaturated(): AuthflowError {
  return gatewayErrors.create('upstream_unavailable', { headers: SATURATED_HEADERS });
}
