// Closing a connection whose request body was not read, so that the client still reads the answer.
import type { IncomingMessage } from 'node:http';

/** How long the rest of an unwanted body is read and dropped before the socket is destroyed. */
const LINGER_MS = 2_000;

/**
 * For an answer sent before the request's body was fully received: the response goes out with
 * `Connection: close`, then the write side is shut (FIN) while what the client still sends is
 * read and dropped for a bounded time. Destroying the socket at once would make the kernel
 * answer the client's next body bytes with a reset, and a reset discards the answer before a
 * client that is still writing (curl, browsers) gets to read it. Like nginx's lingering close.
 */
export function lingerAfterAnswer(request: IncomingMessage): void {
  const socket = request.socket;
  // Node closes a `Connection: close` socket with destroySoon() once the response is flushed.
  socket.destroySoon = (): void => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    // The client closing its side (after reading the answer) ends the linger early.
    socket.once('end', () => socket.destroy());
    request.resume();
    socket.resume();
  };
}
