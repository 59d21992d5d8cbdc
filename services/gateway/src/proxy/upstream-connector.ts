// Upstream sockets that keep reading after the upstream stops reading: an upstream that answers
// before it has read the whole request body (413 for a body it will not take) and closes must
// have that answer passed on to the client, not lost to the EPIPE of the next body write.
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

/** Write errors that only say the upstream stopped reading; its answer may still be on the wire. */
const STOPPED_READING = new Set(['EPIPE', 'ECONNRESET']);

/**
 * How long a socket whose writes failed may still deliver a response. Reads normally end at
 * once (the response, then end of stream or a reset); this only bounds a peer that does neither.
 */
const READ_GRACE_MS = 2_000;

export function upstreamConnector(connectTimeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: connectTimeoutMs });
  return (options, callback) => {
    connect(options, (...result) => {
      // A failed connect reports no socket (undefined or null).
      const socket = result[1];
      if (result[0] === null && socket) keepReadingAfterWriteFailure(socket);
      callback(...result);
    });
  };
}

/**
 * Node destroys a socket on its first failed write, dropping what the upstream already sent.
 * Here the write failure is remembered instead: later writes are discarded, reading goes on
 * (undici parses the response, or fails on the end of stream as it would have), and the socket
 * is destroyed with the write error only if nothing ends it within the grace period.
 */
function keepReadingAfterWriteFailure(socket: Socket): void {
  let failure: Error | undefined;
  const absorb =
    (callback: (error?: Error | null) => void) =>
    (error?: Error | null): void => {
      const code = error ? (error as NodeJS.ErrnoException).code : undefined;
      if (
        error === undefined ||
        error === null ||
        code === undefined ||
        !STOPPED_READING.has(code)
      ) {
        callback(error);
        return;
      }
      if (failure === undefined) {
        failure = error;
        const timer = setTimeout(() => socket.destroy(error), READ_GRACE_MS);
        timer.unref();
        socket.once('close', () => clearTimeout(timer));
      }
      callback();
    };
  const write = socket._write.bind(socket);
  socket._write = (chunk: unknown, encoding: BufferEncoding, callback) => {
    if (failure !== undefined) callback();
    else write(chunk, encoding, absorb(callback));
  };
  const writev = socket._writev?.bind(socket);
  if (writev !== undefined)
    socket._writev = (chunks, callback) => {
      if (failure !== undefined) callback();
      else writev(chunks, absorb(callback));
    };
}
