// Live WebSockets by session, so a revocation closes them (a verified upgrade is not a lifetime pass).
import type { Socket } from 'node:net';
import type { SessionRecord } from '@authflow/sessions';
import type WebSocket from 'ws';

/** Close code sent when the session behind a socket ends (4000-4999: application codes). */
export const SESSION_ENDED_CLOSE_CODE = 4401;
const TERMINATE_AFTER_MS = 2_000;

interface Expected {
  readonly sessionId: string;
  readonly absoluteExpiresAt: number;
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
  readonly #sessionOf = new WeakMap<WebSocket, string>();
  readonly #options: WebSocketRegistryOptions;
  #open = 0;

  constructor(options: WebSocketRegistryOptions) {
    this.#options = options;
  }

  get open(): number {
    return this.#open;
  }

  /** Called when an upgrade request passes verification: its TCP socket belongs to `session`. */
  expect(socket: Socket, session: SessionRecord): void {
    this.#expected.set(socket, {
      sessionId: session.id,
      absoluteExpiresAt: session.absoluteExpiresAt,
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
    this.#sessionOf.set(client, expected.sessionId);
    this.#setOpen(this.#open + 1);
    if (this.#options.wasRevoked(expected.sessionId)) {
      closeForSessionEnd(client, 'session revoked');
      return;
    }
    // A socket never outlives its session's absolute lifetime.
    const remaining = expected.absoluteExpiresAt - (this.#options.clock ?? Date.now)();
    const timer = setTimeout(
      () => closeForSessionEnd(client, 'session expired'),
      Math.max(0, Math.min(remaining, 2_147_483_647)),
    );
    timer.unref();
    this.#timers.set(client, timer);
  }

  detach(client: WebSocket): void {
    clearTimeout(this.#timers.get(client));
    this.#timers.delete(client);
    const sessionId = this.#sessionOf.get(client);
    if (sessionId === undefined) return;
    this.#sessionOf.delete(client);
    const sockets = this.#bySession.get(sessionId);
    if (sockets?.delete(client) === true) {
      this.#setOpen(this.#open - 1);
      if (sockets.size === 0) this.#bySession.delete(sessionId);
    }
  }

  /** Closes every live socket of a revoked session; returns how many. */
  closeSession(sessionId: string): number {
    const sockets = this.#bySession.get(sessionId);
    if (sockets === undefined) return 0;
    for (const client of sockets) closeForSessionEnd(client, 'session revoked');
    return sockets.size;
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

function closeForSessionEnd(client: WebSocket, reason: string): void {
  client.close(SESSION_ENDED_CLOSE_CODE, reason);
  // A peer that never answers the close handshake is cut off.
  setTimeout(() => client.terminate(), TERMINATE_AFTER_MS).unref();
}
