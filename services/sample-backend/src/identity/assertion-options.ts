// The gateway-assertion plugin's options for this service: where the keys come from, what stays open.
import type { GatewayAssertionPluginOptions } from '@authflow/gateway-assertion/fastify';
import type { FastifyRequest } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import type { SampleBackendConfig } from '../config/load-config.js';

/**
 * Routes an orchestrator or Prometheus calls directly, with no user behind them. They answer
 * without an assertion; every other request, unknown paths included, must carry a valid one.
 */
export const OPERATIONAL_ROUTES: ReadonlySet<string> = new Set([
  '/health',
  '/health/live',
  '/health/ready',
  '/metrics',
]);

/**
 * Decided on the route fastify matched, not on the raw URL: no spelling of a path
 * (`/health/../app/`, `/health%2f..`) can reach another route and still count as public.
 */
export function isOperationalRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && OPERATIONAL_ROUTES.has(route);
}

/**
 * Static keys when the gateway's keys are known in-process (all-in-one mode); otherwise the
 * gateway's JWKS URL, fetched on first use, cached, and refetched on an unknown `kid`.
 */
export function assertionPluginOptions(
  assertion: SampleBackendConfig['assertion'],
  keys: JSONWebKeySet | undefined,
): GatewayAssertionPluginOptions {
  const base = {
    audience: assertion.audience,
    issuer: assertion.issuer,
    isPublic: isOperationalRoute,
  };
  return keys === undefined ? { ...base, jwksUrl: assertion.jwksUrl } : { ...base, keys };
}
