// Benchmark backend process: every path answers the same 120-byte JSON; a WebSocket upgrade on
// any path becomes an echo. BENCH_PORT selects the port.
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { backendBody } from '../backend-body.ts';
import {
  acceptKeyFor,
  encodeFrame,
  FrameReader,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
} from '../websocket-frames.ts';

const port = Number(process.env.BENCH_PORT);
const body = backendBody();
const headers = {
  'content-type': 'application/json',
  'content-length': String(body.length),
};

const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, headers);
  response.end(body);
});
// Longer than the proxies' idle upstream keep-alive (nginx 60 s), so the proxy closes idle
// connections first and never sends a request on one this server is closing.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.on('upgrade', (request, socket: Socket, head: Buffer) => {
  const key = request.headers['sec-websocket-key'];
  if (typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    return;
  }
  socket.setNoDelay(true);
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n' +
      `sec-websocket-accept: ${acceptKeyFor(key)}\r\n\r\n`,
  );
  const reader = new FrameReader();
  const onData = (chunk: Buffer): void => {
    for (const frame of reader.push(chunk)) {
      if (frame.opcode === OPCODE_TEXT || frame.opcode === OPCODE_BINARY)
        socket.write(encodeFrame(frame.opcode, frame.payload, false));
      else if (frame.opcode === OPCODE_PING)
        socket.write(encodeFrame(OPCODE_PONG, frame.payload, false));
      else if (frame.opcode === OPCODE_CLOSE) {
        socket.end(encodeFrame(OPCODE_CLOSE, frame.payload, false));
        return;
      }
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  if (head.length > 0) onData(head);
});

server.listen(port, '127.0.0.1');

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
