// Revocation messages → evict from the cache and tell whoever holds live connections of the
// session (the WebSockets plugin); while messages may be missed (subscription not live), the cache
// is emptied and bypassed.
import type { RevocationSubscription, SessionStore, SubscriptionState } from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import type { SessionCache } from './session-cache.js';

export interface RevocationFeed extends RevocationSubscription {
  /** Called for each revoked session, after the cache has forgotten it. */
  onRevoked(listener: (sessionId: string) => void): void;
}

export function listenForRevocations(options: {
  readonly store: SessionStore;
  readonly cache: SessionCache;
  readonly metrics: GatewayMetrics;
  readonly logger: FastifyBaseLogger;
}): RevocationFeed {
  const { cache, metrics, logger } = options;
  const revokedListeners: ((sessionId: string) => void)[] = [];
  const subscription = options.store.subscribeRevocations((sessionId) => {
    metrics.revocationsReceived.inc();
    cache.evict(sessionId);
    for (const listener of revokedListeners) listener(sessionId);
  });
  let closing = false;
  const apply = (state: SubscriptionState): void => {
    cache.setEnabled(state === 'live');
    // Closing the subscription at shutdown ends it on purpose: nothing to warn about.
    if (closing) return;
    if (state === 'live') {
      logger.info(
        { event: 'dependency.subscription_live' },
        'revocation subscription live; session cache on, open WebSockets re-checked',
      );
    } else {
      logger.warn(
        { event: 'dependency.subscription_lost', state },
        'revocation subscription not live; session cache emptied and bypassed',
      );
    }
  };
  subscription.onStateChange(apply);
  cache.setEnabled(subscription.state === 'live');
  return {
    get state() {
      return subscription.state;
    },
    // Listeners hear of changes up to shutdown, not the end the shutdown itself causes.
    onStateChange: (listener) =>
      subscription.onStateChange((state) => {
        if (!closing) listener(state);
      }),
    onRevoked: (listener) => revokedListeners.push(listener),
    close: () => {
      closing = true;
      return subscription.close();
    },
  };
}
