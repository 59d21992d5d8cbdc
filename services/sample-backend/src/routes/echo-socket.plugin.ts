// GET /app/ws: a WebSocket that greets the verified user and echoes every text message back.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RawData } from 'ws';
import { APP_PATHS } from '../app-paths.js';
import { sampleBackendErrors } from '../errors/sample-backend-errors.js';
import { requireIdentity } from '../identity/require-identity.js';
import { isSameOrigin } from './is-same-origin.js';

/** Larger messages close the socket (1009); an echo demo needs no more. */
export const MAX_MESSAGE_BYTES = 64 * 1_024;

/** Close code for binary frames: "unsupported data" (RFC 6455 §7.4.1). */
const UNSUPPORTED_DATA = 1003;

/**
 * Runs before the upgrade, like the assertion plugin's onRequest hook: a refused handshake is
 * answered with an HTTP error and never becomes a socket.
 */
function checkHandshake(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (error?: Error) => void,
): void {
  if (request.identity === null) {
    done(sampleBackendErrors.create('unauthenticated'));
    return;
  }
  if (!isSameOrigin(request.headers)) {
    request.log.info({ origin: request.headers.origin }, 'cross-origin WebSocket refused');
    done(
      sampleBackendErrors.create('forbidden', {
        message: 'WebSocket connections are accepted only from pages of this site.',
      }),
    );
    return;
  }
  done();
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export function echoSocketRoutes(app: FastifyInstance, _options: object, done: () => void): void {
  app.get(
    APP_PATHS.socket,
    { websocket: true, preValidation: checkHandshake },
    (socket, request) => {
      // Verified once, at the upgrade. The socket outlives the assertion's 60 s; the gateway
      // closes it (code 4401) when the session is revoked or reaches its absolute lifetime.
      const identity = requireIdentity(request);
      socket.send(JSON.stringify({ type: 'hello', email: identity.email }));
      socket.on('message', (data, isBinary) => {
        if (isBinary) {
          socket.close(UNSUPPORTED_DATA, 'text messages only');
          return;
        }
        socket.send(JSON.stringify({ type: 'echo', data: textOf(data) }));
      });
    },
  );
  done();
}
