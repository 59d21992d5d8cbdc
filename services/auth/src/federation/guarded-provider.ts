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
  const fire = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return (await breaker.fire(call)) as T;
    } catch (error) {
      if (isBreakerOpenError(error))
        throw new FederationError('provider_unavailable', 'breaker open', { cause: error });
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
    available: () => breakerState(breaker) !== 'open',
  };
}
