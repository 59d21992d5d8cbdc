// One keep-alive pool and one breaker per upstream, shared by every route to it.
import type { AuthflowError } from '@authflow/errors';
import { type Breaker, createBreaker, isBreakerOpenError } from '@authflow/resilience';
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/routes-file.js';
import { gatewayErrors } from '../errors/gateway-errors.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { isBodyTooLarge } from './body-limit.js';
import { ClientClosedError } from './forward-http.js';

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
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

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
      connect: { timeout: config.connectTimeoutMs },
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
    });
    const breaker = createBreaker((attempt: () => Promise<void>) => attempt(), {
      name: `upstream:${name}`,
      // undici's headers/body timeouts bound every attempt; a breaker timeout would race them.
      timeoutMs: false,
      errorThresholdPercentage: config.breaker.errorThresholdPercentage,
      resetTimeoutMs: config.breaker.resetTimeoutMs,
      volumeThreshold: config.breaker.volumeThreshold,
      // A body over the limit, or a client that left, is not the upstream's fault.
      isFailure: (error) =>
        !isBodyTooLarge(error) &&
        !(error instanceof ClientClosedError) &&
        !isRequestRefusedByClient(error),
    });
    metrics.breakers.track(breaker);
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

/** Every `code` along an error's cause chain (undici's errors may arrive wrapped). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}
