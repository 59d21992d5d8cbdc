import { describe, expect, it } from 'vitest';
import { answersPing as answers, startRedisServer } from './redis-server.js';

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
