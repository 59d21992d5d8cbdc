// Starts a real, listening sample backend on port 0 with test configuration, and talks to it.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { buildSampleBackendApp, type SampleBackendDependencies } from '../app.js';
import { loadSampleBackendConfig } from '../config/load-config.js';

export interface SampleBackendHarness {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export interface SampleBackendHarnessOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly dependencies?: SampleBackendDependencies;
  /** Listen here instead of a free port (when the gateway must know the URL first). */
  readonly port?: number;
}

export async function startSampleBackend(
  options: SampleBackendHarnessOptions = {},
): Promise<SampleBackendHarness> {
  const config = loadSampleBackendConfig({
    SAMPLE_BACKEND_PORT: '0',
    SAMPLE_BACKEND_LOG_LEVEL: 'silent',
    ...options.env,
  });
  const app = await buildSampleBackendApp(config, {
    collectProcessMetrics: false,
    ...options.dependencies,
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { app, url, close: () => app.close() };
}

export type HandshakeOutcome =
  | { readonly opened: true; readonly socket: WebSocket; readonly greeting: unknown }
  | {
      readonly opened: false;
      /** The HTTP answer to the upgrade; 101 when it was upgraded, then closed before a greeting. */
      readonly status: number;
      readonly body: string;
      /** Set when upgraded then closed: how the gateway relays an upstream's refusal. */
      readonly closeCode?: number;
    };

/**
 * Opens a WebSocket and waits for the first message (the greeting), for the HTTP answer that
 * refused the upgrade, or for a close before any greeting.
 */
export function openSocket(
  url: string,
  options: { headers?: Record<string, string>; origin?: string } = {},
): Promise<HandshakeOutcome> {
  const socket = new WebSocket(url.replace(/^http/u, 'ws'), {
    headers: options.headers,
    origin: options.origin,
  });
  return new Promise((resolve, reject) => {
    socket.once('message', (data: Buffer) => {
      resolve({ opened: true, socket, greeting: JSON.parse(data.toString()) });
    });
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({
          opened: false,
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
        });
      });
    });
    socket.once('close', (code: number) =>
      resolve({ opened: false, status: 101, body: '', closeCode: code }),
    );
    socket.once('error', reject);
  });
}

/** Sends a text message and resolves with the next message, parsed. */
export function exchange(socket: WebSocket, text: string): Promise<unknown> {
  return new Promise((resolve) => {
    socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString())));
    socket.send(text);
  });
}

export function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    socket.once('close', (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString() }),
    );
  });
}
