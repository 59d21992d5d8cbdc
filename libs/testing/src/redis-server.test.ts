import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from './redis-server.js';

/** True when something answers PING on the port within 300 ms. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(300, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

describe('startRedisServer', () => {
  it('freezes and thaws the server', async () => {
    const server = await startRedisServer();
    try {
      expect(await answers(server.port)).toBe(true);
      server.pause();
      expect(await answers(server.port)).toBe(false);
      server.resume();
      expect(await answers(server.port)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('stops a frozen server instead of waiting for it forever', async () => {
    const server = await startRedisServer();
    server.pause();
    await server.stop();
    expect(await answers(server.port)).toBe(false);
  }, 10_000);

  it('kills a frozen server and restarts it empty on the same port', async () => {
    const server = await startRedisServer();
    server.pause();
    await server.restart();
    expect(await answers(server.port)).toBe(true);
    await server.stop();
  }, 10_000);
});
