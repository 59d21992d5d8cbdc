// Answers HTTP parser errors (oversized headers, malformed request lines) with the JSON envelope.
import type { Socket } from 'node:net';

interface ClientError extends Error {
  code?: string;
}

/**
 * For fastify's `clientErrorHandler` option: the request never reached a route, so this
 * writes a minimal HTTP/1.1 response itself and closes the connection.
 */
export function createClientErrorHandler(codes: {
  readonly badRequest: string;
  readonly headersTooLarge: string;
}): (error: ClientError, socket: Socket) => void {
  return (error, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const code = tooLarge ? codes.headersTooLarge : codes.badRequest;
    const message = tooLarge
      ? 'Request header fields are too large.'
      : 'The request could not be parsed.';
    const body = JSON.stringify({ error: { code, message, request_id: '' } });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-authflow-error: ${code}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  };
}
