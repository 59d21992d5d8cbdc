// Readiness: assertions can be verified, because the gateway's public keys can be fetched (or are given).
import type { ReadinessCheck } from '@authflow/observability';

/** With static keys there is nothing to fetch: always ready. */
export function gatewayKeysCheck(jwksUrl: string | undefined, timeoutMs: number): ReadinessCheck {
  if (jwksUrl === undefined) return () => Promise.resolve();
  return async () => {
    const response = await fetch(jwksUrl, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`the JWKS URL answered ${response.status}`);
    if (!hasKeys(await response.json())) throw new Error('the JWKS holds no keys');
  };
}

function hasKeys(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('keys' in body)) return false;
  return Array.isArray(body.keys) && body.keys.length > 0;
}
