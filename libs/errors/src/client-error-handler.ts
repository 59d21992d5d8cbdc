// Answers HTTP parser errors (oversized headers, malformed request lines) with the JSON envelope,
// or with the error page when the bytes received show a browser navigation.
import type { Socket } from 'node:net';
import { ERROR_PAGE_CSP, renderErrorPage } from './error-page.js';

interface ClientError extends Error {
  code?: string;
  /**
   * What the parser had in its buffer when it failed: a Buffer from Node (fastify's types
   * describe it as the Buffer's JSON form).
   */
  rawPacket?: unknown;
}

/**
 * For fastify's `clientErrorHandler` option: the request never reached a route, so this
 * writes a minimal HTTP/1.1 response itself and closes the connection. With `pages`, a 431 to
 * a browser navigation is the HTML page that says the cookies are too large and how to clear
 * them.
 */
export function createClientErrorHandler(codes: {
  readonly badRequest: string;
  readonly headersTooLarge: string;
  readonly pages?: boolean;
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
    const page = tooLarge && codes.pages === true && isNavigationHead(error.rawPacket);
    const body = page
      ? renderErrorPage({ status: 431, code })
      : JSON.stringify({ error: { code, message, request_id: '' } });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        (page
          ? 'Content-Type: text/html; charset=utf-8\r\n' +
            `Content-Security-Policy: ${ERROR_PAGE_CSP}\r\n` +
            'Cache-Control: no-store\r\n'
          : 'Content-Type: application/json; charset=utf-8\r\n') +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-authflow-error: ${code}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  };
}

/**
 * A browser navigation, as far as the bytes the parser held tell: a GET or HEAD that says
 * `Sec-Fetch-Mode: navigate`, or (older browsers) whose Accept names text/html before any
 * JSON and that is not an XMLHttpRequest. The gateway's denials use the same rule on parsed
 * requests; here a header that did not arrive counts as absent, so the answer leans to JSON.
 */
export function isNavigationHead(raw: unknown): boolean {
  if (!Buffer.isBuffer(raw)) return false;
  const lines = raw.toString('latin1').split('\r\n\r\n', 1)[0]?.split('\r\n') ?? [];
  const method = lines[0]?.split(' ', 1)[0] ?? '';
  if (method !== 'GET' && method !== 'HEAD') return false;
  const header = (name: string): string | undefined => {
    const prefix = `${name}:`;
    const line = lines.find((candidate) => candidate.toLowerCase().startsWith(prefix));
    return line?.slice(prefix.length).trim().toLowerCase();
  };
  const fetchMode = header('sec-fetch-mode');
  if (fetchMode !== undefined) return fetchMode === 'navigate';
  if (header('x-requested-with') === 'xmlhttprequest') return false;
  const accept = header('accept') ?? '';
  const html = accept.indexOf('text/html');
  const json = accept.search(/application\/(?:[a-z.+-]*\+)?json/u);
  return html !== -1 && (json === -1 || html < json);
}
