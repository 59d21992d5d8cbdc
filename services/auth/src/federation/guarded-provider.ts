// Each outside provider behind its own breaker: a provider that is down fails fast (its login
// button says so) and never slows the password form or another provider.
import { breakerState, createBreaker, isBreakerOpenError } from '@authflow/resilience';
import type CircuitBreaker from 'opossum';
import {
  type AuthorizationStart,
  type ExternalProfile,
  type ExternalProvider,
  FederationError,
  isFederationError,
} from './external-provider.js';
import type { ProviderConfig } from './providers-file.js';

export interface GuardedProvider {
  readonly config: ProviderConfig;
  /** The adapter, its calls going through the breaker. */
  readonly provider: ExternalProvider;
  readonly breaker: CircuitBreaker;
  /** False while the breaker is open. */
  available(): boolean;
}

export function guardProvider(
  config: ProviderConfig,
  adapter: ExternalProvider,
  options: { readonly resetTimeoutMs: number },
): GuardedProvider {
  const breaker = createBreaker(<T>(call: () => Promise<T>) => call(), {
    name: `provider:${config.id}`,
    // Each adapter call has its own deadline (AUTH_FEDERATION_TIMEOUT_MS).
    timeoutMs: false,
    resetTimeoutMs: options.resetTimeoutMs,
    volumeThreshold: 3,
    // Only the provider's own failures count: a user's wrong or replayed callback does not.
    isFailure: (error) => isFederationError(error) && error.code === 'provider_unavailable',
  });
  // The breaker opens on a share of failures in its window, which a busy login page with many
  // earlier successes reaches late; the button already says "unavailable" after the last call
  // found the provider down, until a call succeeds or the breaker's reset time has passed.
  let downSince: number | undefined;
  const fire = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      const result = (await breaker.fire(call)) as T;
      downSince = undefined;
      return result;
    } catch (error) {
      if (isBreakerOpenError(error))
        throw new FederationError('provider_unavailable', 'breaker open', { cause: error });
      if (isFederationError(error) && error.code === 'provider_unavailable') downSince = Date.now();
      throw error;
    }
  };
  const provider: ExternalProvider = {
    id: adapter.id,
    kind: adapter.kind,
    start: (input): Promise<AuthorizationStart> => fire(() => adapter.start(input)),
    complete: (input): Promise<ExternalProfile> => fire(() => adapter.complete(input)),
  };
  return {
    config,
    provider,
    breaker,
    available: () =>
      breakerState(breaker) !== 'open' &&
      (downSince === undefined || Date.now() - downSince >= options.resetTimeoutMs),
  };
}
