// Live WebSockets by session, so a revocation closes them (a verified upgrade is not a lifetime pass).
import type { Socket } from 'node:net';
import type { SessionRecord } from '@authflow/sessions';
import type WebSocket from 'ws';

/** Close code sent when the session behind a socket ends (4000-4999: application codes). */
export const SESSION_ENDED_CLOSE_CODE = 4401;
/**
 * Close code sent when the session store stayed unreachable longer than the grace: the session
 * can no longer be vouched for. 1013 is the registered "Try Again Later"; a client reconnects,
 * and the upgrade is verified afresh (503 while the store is still down).
 */
const STORE_UNAVAILABLE_CLOSE_CODE = 1013;
const TERMINATE_AFTER_MS = 2_000;

interface Expected {
  readonly sessionId: string;
  readonly absoluteExpiresAt: number;
  readonly verifiedAt: number;
}

interface Tracked {
  readonly sessionId: string;
  /** When the store last vouched for the session (the upgrade, or a re-check). */
  verifiedAt: number;
  closing: boolean;
}

export interface WebSocketRegistryOptions {
  /** True when the session was revoked moments ago (the upgrade raced the revocation). */
  readonly wasRevoked: (sessionId: string) => boolean;
  readonly onCountChange?: (open: number) => void;
  readonly clock?: () => number;
}

export class WebSocketRegistry {
  readonly #expected = new WeakMap<Socket, Expected>();
  readonly #bySession = new Map<string, Set<WebSocket>>();
  readonly #timers = new Map<WebSocket, NodeJS.Timeout>();
  readonly #tracked = new Map<WebSocket, Tracked>();
  readonly #options: WebSocketRegistryOptions;
  readonly #clock: () => number;
  #open = 0;

  constructor(options: WebSocketRegistryOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  get open(): number {
    return this.#open;
  }

  /** Called when an upgrade request passes verification: its TCP socket belongs to `session`. */
  expect(socket: Socket, session: SessionRecord): void {
    this.#expected.set(socket, {
      sessionId: session.id,
      absoluteExpiresAt: session.absoluteExpiresAt,
      verifiedAt: this.#clock(),
    });
  }

  /** Called once the proxied connection is established (the client side `ws`). */
  attach(client: WebSocket): void {
    const expected = this.#expected.get(socketOf(client));
    if (expected === undefined) return;
    let sockets = this.#bySession.get(expected.sessionId);
    if (sockets === undefined) {
      sockets = new Set();
      this.#bySession.set(expected.sessionId, sockets);
    }
    sockets.add(client);
    this.#tracked.set(client, {
      sessionId: expected.sessionId,
      verifiedAt: expected.verifiedAt,
      closing: false,
    });
    this.#setOpen(this.#open + 1);
    if (this.#options.wasRevoked(expected.sessionId)) {
      this.#close(client, SESSION_ENDED_CLOSE_CODE, 'session revoked');
      return;
    }
    // A socket never outlives its session's absolute lifetime.
    const remaining = expected.absoluteExpiresAt - this.#clock();
    const timer = setTimeout(
      () => this.#close(client, SESSION_ENDED_CLOSE_CODE, 'session expired'),
      Math.max(0, Math.min(remaining, 2_147_483_647)),
    );
    timer.unref();
    this.#timers.set(client, timer);
  }

  detach(client: WebSocket): void {
    clearTimeout(this.#timers.get(client));
    this.#timers.delete(client);
    const tracked = this.#tracked.get(client);
    if (tracked === undefined) return;
    this.#tracked.delete(client);
    const sockets = this.#bySession.get(tracked.sessionId);
    if (sockets?.delete(client) === true) {
      this.#setOpen(this.#open - 1);
      if (sockets.size === 0) this.#bySession.delete(tracked.sessionId);
    }
  }

  /** Closes every live socket of an ended session (4401); returns how many. */
  closeSession(sessionId: string, reason = 'session revoked'): number {
    let closed = 0;
    for (const client of this.#bySession.get(sessionId) ?? []) {
      if (this.#close(client, SESSION_ENDED_CLOSE_CODE, reason)) closed += 1;
    }
    return closed;
  }

  /** Sessions with an open socket the store has not vouched for since `time`. */
  sessionsVerifiedBefore(time: number): string[] {
    const sessions = new Set<string>();
    for (const tracked of this.#tracked.values()) {
      if (!tracked.closing && tracked.verifiedAt < time) sessions.add(tracked.sessionId);
    }
    return [...sessions];
  }

  /** The store vouched for the session at `at` (a re-check found it alive). */
  markVerified(sessionId: string, at: number): void {
    for (const client of this.#bySession.get(sessionId) ?? []) {
      const tracked = this.#tracked.get(client);
      if (tracked !== undefined && tracked.verifiedAt < at) tracked.verifiedAt = at;
    }
  }

  /** Closes (1013) every socket the store has not vouched for since `cutoff`; returns how many. */
  closeVerifiedBefore(cutoff: number, reason: string): number {
    let closed = 0;
    for (const [client, tracked] of this.#tracked) {
      if (tracked.verifiedAt < cutoff && this.#close(client, STORE_UNAVAILABLE_CLOSE_CODE, reason))
        closed += 1;
    }
    return closed;
  }

  #close(client: WebSocket, code: number, reason: string): boolean {
    const tracked = this.#tracked.get(client);
    if (tracked?.closing === true) return false;
    if (tracked !== undefined) tracked.closing = true;
    client.close(code, reason);
    // A peer that never answers the close handshake is cut off.
    setTimeout(() => client.terminate(), TERMINATE_AFTER_MS).unref();
    return true;
  }

  #setOpen(open: number): void {
    this.#open = open;
    this.#options.onCountChange?.(open);
  }
}

/**
 * The TCP socket under a server-side `ws`. ws keeps it in `_socket` (stable since ws 1.x);
 * @fastify/http-proxy's hooks hand over the `ws` only, and the verified upgrade request is
 * known by its socket. The revocation tests guard this link.
 */
function socketOf(client: WebSocket): Socket {
  return (client as unknown as { _socket: Socket })._socket;
}
