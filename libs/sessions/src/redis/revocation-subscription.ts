// A Redis pub/sub subscription to revoked session ids that knows whether it can be trusted.
import type { Redis } from 'ioredis';
import type {
  RevocationListener,
  RevocationSubscription,
  SubscriptionState,
} from '../session-store.js';
import { notify } from '../notify.js';

/**
 * Owns its own connection (a subscribed connection can do nothing else). The state is `live`
 * only between a confirmed SUBSCRIBE and the next disconnect; messages published while it was
 * not live are lost, and callers must act as if any session could have been revoked meanwhile.
 */
export class RedisRevocationSubscription implements RevocationSubscription {
  #state: SubscriptionState = 'connecting';
  readonly #stateListeners = new Set<(state: SubscriptionState) => void>();
  #closed = false;
  readonly #connection: Redis;
  readonly #channel: string;

  constructor(connection: Redis, channel: string, listener: RevocationListener) {
    this.#connection = connection;
    this.#channel = channel;
    connection.on('message', (messageChannel: string, message: string) => {
      if (messageChannel === channel) notify(listener, message);
    });
    connection.on('ready', () => void this.#subscribe());
    connection.on('close', () => {
      this.#setState('lost');
    });
    // Connection errors surface as 'close' and a state change; the client reconnects itself.
    connection.on('error', () => undefined);
    if (connection.status === 'ready') void this.#subscribe();
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  onStateChange(listener: (state: SubscriptionState) => void): void {
    this.#stateListeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#setState('lost');
    this.#stateListeners.clear();
    try {
      await this.#connection.quit();
    } catch {
      this.#connection.disconnect();
    }
  }

  async #subscribe(): Promise<void> {
    try {
      await this.#connection.subscribe(this.#channel);
      if (!this.#closed) this.#setState('live');
    } catch {
      this.#setState('lost');
    }
  }

  #setState(state: SubscriptionState): void {
    if (this.#state === state || (this.#closed && state !== 'lost')) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }
}
