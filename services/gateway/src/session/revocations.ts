// Revocation messages → evict from the cache and close the session's WebSockets; while they may
// be missed (subscription not live), the cache is emptied and bypassed, and open WebSockets are
// re-checked against the store once the subscription is live again.
import type { RevocationSubscription, SessionStore, SubscriptionState } from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import type { WebSocketRegistry } from '../proxy/websocket-registry.js';
import type { SessionCache } from './session-cache.js';
import type { WebSocketRecheck } from './websocket-recheck.js';

export function listenForRevocations(options: {
  readonly store: SessionStore;
  readonly cache: SessionCache;
  readonly websockets: WebSocketRegistry;
  readonly recheck: WebSocketRecheck;
  readonly metrics: GatewayMetrics;
  readonly logger: FastifyBaseLogger;
}): RevocationSubscription {
  const { cache, websockets, recheck, metrics, logger } = options;
  const subscription = options.store.subscribeRevocations((sessionId) => {
    metrics.revocationsReceived.inc();
    cache.evict(sessionId);
    const closed = websockets.closeSession(sessionId);
    if (closed > 0)
      logger.info(
        { event: 'websocket.closed', reason: 'session_revoked', sessionId, closed },
        'closed WebSockets of a revoked session',
      );
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
      recheck.back('subscription');
    } else {
      logger.warn(
        { event: 'dependency.subscription_lost', state },
        'revocation subscription not live; session cache emptied and bypassed',
      );
      recheck.lost('subscription');
    }
  };
  subscription.onStateChange(apply);
  cache.setEnabled(subscription.state === 'live');
  if (subscription.state !== 'live') recheck.lost('subscription');
  return {
    get state() {
      return subscription.state;
    },
    onStateChange: (listener) => subscription.onStateChange(listener),
    close: () => {
      closing = true;
      recheck.close();
      return subscription.close();
    },
  };
}
