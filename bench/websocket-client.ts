// A small WebSocket client on node:http's upgrade: enough to hold many connections open, echo
// messages and notice the moment a close frame (and its code) arrives.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  acceptKeyFor,
  closeCodeOf,
  closePayload,
  encodeFrame,
  FrameReader,
  OPCODE_CLOSE,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
} from './websocket-frames.ts';

export interface CloseEvent {
  /** The close frame's code; undefined when the connection ended without one. */
  readonly code: number | undefined;
  /** performance.now() when the close frame (or the end of the stream) arrived. */
  readonly at: number;
}

export interface WebSocketConnection {
  send(text: string): void;
  /** Sets the one listener for text and binary messages (replacing any earlier one). */
  onMessage(listener: (payload: Buffer) => void): void;
  readonly closed: Promise<CloseEvent>;
  close(): void;
}

export class UpgradeRefusedError extends Error {
  override readonly name = 'UpgradeRefusedError';
  readonly status: number;

  constructor(status: number) {
    super(`WebSocket upgrade refused with HTTP ${status}`);
    this.status = status;
  }
}

/** Opens `url` (http://host:port/path) as a WebSocket with the given request headers. */
export function openWebSocket(
  url: string,
  headers: Readonly<Record<string, string>>,
): Promise<WebSocketConnection> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      agent: false,
      headers: {
        ...headers,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': key,
        'sec-websocket-version': '13',
      },
    });
    outgoing.once('response', (response) => {
      response.resume();
      reject(new UpgradeRefusedError(response.statusCode ?? 0));
    });
    outgoing.once('error', reject);
    outgoing.once('upgrade', (response, socket: Socket, head: Buffer) => {
      if (response.headers['sec-websocket-accept'] !== acceptKeyFor(key)) {
        socket.destroy();
        reject(new Error('WebSocket upgrade answered with a wrong Sec-WebSocket-Accept'));
        return;
      }
      resolve(wrapSocket(socket, head));
    });
    outgoing.end();
  });
}

function wrapSocket(socket: Socket, head: Buffer): WebSocketConnection {
  socket.setNoDelay(true);
  const reader = new FrameReader();
  let listener: (payload: Buffer) => void = () => undefined;
  let settle: (event: CloseEvent) => void = () => undefined;
  const closed = new Promise<CloseEvent>((resolve) => (settle = resolve));
  let sentClose = false;
  const sendClose = (code: number): void => {
    if (sentClose || socket.destroyed) return;
    sentClose = true;
    socket.write(encodeFrame(OPCODE_CLOSE, closePayload(code), true));
  };
  const onData = (chunk: Buffer): void => {
    for (const frame of reader.push(chunk)) {
      if (frame.opcode === OPCODE_CLOSE) {
        settle({ code: closeCodeOf(frame.payload), at: performance.now() });
        sendClose(closeCodeOf(frame.payload) ?? 1000);
        socket.end();
        return;
      }
      if (frame.opcode === OPCODE_PING) socket.write(encodeFrame(OPCODE_PONG, frame.payload, true));
      else if (frame.opcode !== OPCODE_PONG) listener(frame.payload);
    }
  };
  socket.on('data', onData);
  socket.once('close', () => settle({ code: undefined, at: performance.now() }));
  socket.on('error', () => socket.destroy());
  if (head.length > 0) onData(head);
  return {
    send: (text) => {
      if (!socket.destroyed) socket.write(encodeFrame(OPCODE_TEXT, Buffer.from(text), true));
    },
    onMessage: (next) => {
      listener = next;
    },
    closed,
    close: () => {
      sendClose(1000);
      setTimeout(() => socket.destroy(), 1_000).unref();
    },
  };
}
