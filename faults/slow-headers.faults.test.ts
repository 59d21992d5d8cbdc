// Slow-header clients (slowloris): a connection that never finishes its header block, or sends
// nothing at all, is cut off by the gateway within a bounded time, and others are served meanwhile.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack, waitUntil } from './support/fault-stack.ts';

/** Measured figures for the lead's report (the fault matrix prints them). */
function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Resolves with how long the server kept the connection, and what it sent before closing. */
function heldFor(socket: Socket, limitMs: number): Promise<{ ms: number; answer: string }> {
  const began = performance.now();
  return new Promise((resolve) => {
    let answer = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ms: performance.now() - began, answer });
    };
    const timer = setTimeout(done, limitMs);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
  });
}

describe('slow-header clients', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack({ scenario: 'slow-headers' });
  });
  afterAll(() => stack.stop());

  it('cuts off clients that dribble headers or send nothing, while serving others', async () => {
    const { hostname, port } = new URL(stack.url);
    const fdsBefore = await stack.gateway.openFds();
    const dribblers = Array.from({ length: 20 }, () => {
      const socket = connect(Number(port), hostname);
      const head = `GET /auth/login HTTP/1.1\r\nHost: ${hostname}\r\nX-Slow: `;
      let sent = 0;
      // One byte every 200 ms, and the header block never ends.
      const drip = setInterval(() => {
        if (socket.destroyed) clearInterval(drip);
        else socket.write(sent < head.length ? (head[sent++] ?? 'a') : 'a');
      }, 200);
      socket.once('close', () => clearInterval(drip));
      return heldFor(socket, 40_000);
    });
    const silent = Array.from({ length: 20 }, () =>
      heldFor(connect(Number(port), hostname), 40_000),
    );
    // Others are served while those connections hang.
    const login = await fetch(`${stack.url}/auth/login`, { headers: { accept: 'text/html' } });
    expect(login.status).toBe(200);
    const held = await Promise.all([...dribblers, ...silent]);
    const dribbled = held.slice(0, 20);
    const idle = held.slice(20);
    const slowest = (list: { ms: number }[]) => Math.round(Math.max(...list.map(({ ms }) => ms)));
    report(
      `slow-header connections cut after at most ${slowest(dribbled)} ms (dribbling), ${slowest(idle)} ms (silent); answers: ${[...new Set(held.map(({ answer }) => answer.split('\r\n')[0] || '(none)'))].join(', ')}`,
    );
    // Never held for the 40 s the clients would wait; Node's own default (60 s + 30 s checks) fails this.
    for (const { ms } of held) expect(ms).toBeLessThan(25_000);
    for (const { answer } of held) expect(answer).not.toMatch(/^HTTP\/1\.1 5/u);
    await waitUntil(
      async () => (await stack.gateway.openFds()) <= fdsBefore + 8,
      5_000,
      'gateway file descriptors back to their level',
    );
    expect((await fetch(`${stack.url}/health/live`)).status).toBe(200);
  });
});
