// A real upstream on port 0 that records what it received (headers, body) and can misbehave.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestUpstream {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  /** Delay before answering, per request (ms). */
  delayMs: number;
  /** Extra response headers. */
  responseHeaders: Record<string, string>;
  /** Number of WebSocket connections currently open on the upstream side. */
  readonly openSockets: () => number;
  close(): Promise<void>;
}

/**
 * Answers every request with 200 JSON `{ path, method }` (after `delayMs`), echoes WebSocket
 * messages, and records each request.
 */
export async function startTestUpstream(options: { port?: number } = {}): Promise<TestUpstream> {
  const received: ReceivedRequest[] = [];
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (socket) =>
    socket.on('message', (data, binary) => socket.send(data, { binary })),
  );
  const state = { delayMs: 0, responseHeaders: {} as Record<string, string> };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(200, {
          'content-type': 'application/json',
          connection: 'keep-alive',
          'keep-alive': 'timeout=5',
          ...state.responseHeaders,
        });
        response.end(JSON.stringify({ path: request.url, method: request.method }));
      }, state.delayMs);
    });
  });
  server.on('upgrade', (request, socket, head) => {
    received.push({
      method: 'UPGRADE',
      url: request.url ?? '',
      headers: request.headers,
      body: '',
    });
    wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    get responseHeaders() {
      return state.responseHeaders;
    },
    set responseHeaders(value: Record<string, string>) {
      state.responseHeaders = value;
    },
    openSockets: () => wss.clients.size,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
