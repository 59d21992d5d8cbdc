// A port or address that cannot be used at start is one line naming the setting, exit 1 (issue 13).
import { createServer, type Server } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { explainListenError, ListenError, runServices, type ServiceToRun } from './run-services.js';
import { startOrExit } from './start-or-exit.js';

const opened: (Server | FastifyInstance)[] = [];

afterEach(async () => {
  await Promise.all(
    opened
      .splice(0)
      .map((server) =>
        'server' in server
          ? server.close()
          : new Promise<void>((resolve) => server.close(() => resolve())),
      ),
  );
});

/** Something else already listening on a port of 127.0.0.1. */
async function occupiedPort(): Promise<number> {
  const server = createServer();
  opened.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function service(overrides: Partial<ServiceToRun> & { port: number }): ServiceToRun {
  const app = Fastify();
  opened.push(app);
  return { name: 'gateway', app, host: '127.0.0.1', ...overrides };
}

/** Runs the services the way every main does, with a recorded stderr and exit. */
async function start(services: readonly ServiceToRun[], onClosed?: () => Promise<void>) {
  const written: string[] = [];
  const exits: number[] = [];
  await startOrExit(
    'AuthFlow gateway',
    async () => {
      await runServices(services, {
        logger: Fastify().log,
        drainTimeoutMs: 1_000,
        ...(onClosed === undefined ? {} : { onClosed }),
      });
    },
    { exit: (code) => void exits.push(code), writeError: (text) => void written.push(text) },
  );
  return { text: written.join(''), exits };
}

describe('a service that cannot listen where it is configured to', () => {
  it('prints one line naming the setting when the port is already in use, and exits 1', async () => {
    const port = await occupiedPort();
    const outcome = await start([service({ port, portSetting: 'GATEWAY_PORT' })]);
    expect(outcome.text).toBe(
      `AuthFlow gateway: GATEWAY_PORT: port ${port} on 127.0.0.1 is already in use\n`,
    );
    expect(outcome.exits).toEqual([1]);
  });

  it('closes the services that did start and their dependencies, and leaves no signal handlers', async () => {
    const port = await occupiedPort();
    const first = service({ name: 'gateway', port: 0 });
    const listeners = process.listenerCount('SIGTERM');
    let closed = 0;
    const outcome = await start(
      [first, service({ name: 'auth', port, portSetting: 'AUTH_PORT' })],
      () => {
        closed += 1;
        return Promise.resolve();
      },
    );
    expect(outcome.text).toBe(
      `AuthFlow gateway: AUTH_PORT: port ${port} on 127.0.0.1 is already in use\n`,
    );
    expect(outcome.exits).toEqual([1]);
    expect(first.app.server.listening).toBe(false);
    expect(closed).toBe(1);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('names the service when no setting is given', async () => {
    const port = await occupiedPort();
    const outcome = await start([service({ name: 'sample-backend', port })]);
    expect(outcome.text).toBe(
      `AuthFlow gateway: sample-backend: port ${port} on 127.0.0.1 is already in use\n`,
    );
  });

  it('names the host setting when the address is not one of this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1: documentation only, never assigned to an interface.
    const outcome = await start([
      service({
        host: '192.0.2.1',
        port: 0,
        portSetting: 'GATEWAY_PORT',
        hostSetting: 'GATEWAY_HOST',
      }),
    ]);
    expect(outcome.text).toBe(
      'AuthFlow gateway: GATEWAY_HOST: 192.0.2.1 is not an address of this machine\n',
    );
    expect(outcome.exits).toEqual([1]);
  });

  it('explains a privileged port (EACCES) and a host name that does not resolve', () => {
    const gateway = service({ port: 80, portSetting: 'GATEWAY_PORT', hostSetting: 'GATEWAY_HOST' });
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    expect(explainListenError(gateway, denied)?.message).toBe(
      'GATEWAY_PORT: port 80 on 127.0.0.1 is not allowed for this user (ports below 1024 need privileges)',
    );
    const unknown = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    expect(explainListenError({ ...gateway, host: 'gatewy' }, unknown)).toBeInstanceOf(ListenError);
    expect(explainListenError({ ...gateway, host: 'gatewy' }, unknown)?.message).toBe(
      'GATEWAY_HOST: gatewy is not a known host name',
    );
  });

  it('still crashes loudly on anything that is not about the settings', async () => {
    const bug = Object.assign(new Error('listen EMFILE'), { code: 'EMFILE' });
    const broken = service({ port: 0 });
    broken.app.addHook('onReady', () => Promise.reject(bug));
    expect(explainListenError(broken, bug)).toBeUndefined();
    await expect(start([broken])).rejects.toBe(bug);
  });
});
