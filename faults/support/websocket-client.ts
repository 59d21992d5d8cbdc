// A signed-in device's WebSocket to the sample backend's echo socket, and Redis admin helpers the
// socket scenarios share.
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import type { Account, FaultStack } from './fault-stack.ts';

export interface SocketClose {
  readonly code: number;
  readonly reason: string;
  readonly at: number;
}

export interface OpenSocket {
  readonly socket: WebSocket;
  /** Resolves with the close code and reason, whenever the socket closes. */
  readonly closed: Promise<SocketClose>;
  /** Sends `text` and resolves with the echo; rejects after `timeoutMs`. */
  echo(text: string, timeoutMs?: number): Promise<string>;
}

/** Opens /app/ws through the stack with the account's cookie and device headers; checks an echo. */
export async function openEchoSocket(stack: FaultStack, account: Account): Promise<OpenSocket> {
  const socket = new WebSocket(`${stack.url.replace('http', 'ws')}/app/ws`, {
    headers: { ...account.headers },
  });
  const closed = new Promise<SocketClose>((resolve) =>
    socket.once('close', (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString(), at: Date.now() }),
    ),
  );
  // The backend greets first ({type: 'hello'}); echoes come back as {type: 'echo', data}.
  const greeted = new Promise<void>((resolve) => socket.once('message', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade answered ${response.statusCode ?? 0}`)),
    );
    socket.once('error', reject);
  });
  await greeted;
  const echo = (text: string, timeoutMs = 2_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no echo')), timeoutMs);
      socket.once('message', (data: Buffer) => {
        clearTimeout(timer);
        resolve((JSON.parse(data.toString()) as { data?: string }).data ?? '');
      });
      socket.send(text);
    });
  const open: OpenSocket = { socket, closed, echo };
  if ((await echo('hello')) !== 'hello') throw new Error('the echo socket did not echo');
  return open;
}

/** Resolves with the close, or `undefined` when the socket is still open after `timeoutMs`. */
export function closeWithin(open: OpenSocket, timeoutMs: number): Promise<SocketClose | undefined> {
  return Promise.race([
    open.closed,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref()),
  ]);
}

/** A plain admin connection to the stack's Redis (CLIENT KILL, key checks). */
export function redisAdmin(stack: FaultStack): Redis {
  return new Redis(stack.redis.url, { maxRetriesPerRequest: 1 });
}

/** Logs the device out through the gateway, as the browser's "sign out" does. */
export async function logOut(stack: FaultStack, account: Account): Promise<number> {
  const response = await fetch(`${stack.url}/api/v1/simple_auth/logout`, {
    method: 'POST',
    headers: { ...account.headers, origin: stack.url, 'content-type': 'application/json' },
    body: '{}',
  });
  return response.status;
}
