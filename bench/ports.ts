// Ports for every server of a run: free ones from the OS, or a fixed block with --port-base; a
// port that is taken stops the run before anything starts on it.
import { connect, createServer } from 'node:net';

export class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
}

/** True when nothing listens on 127.0.0.1:port and we may bind it. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Hands out one port per named server, never the same twice. */
export class PortPlan {
  readonly #given = new Map<string, number>();
  readonly #base: number | undefined;
  #next: number;

  constructor(base?: number) {
    this.#base = base;
    this.#next = base ?? 0;
  }

  get assigned(): ReadonlyMap<string, number> {
    return this.#given;
  }

  async take(name: string): Promise<number> {
    const known = this.#given.get(name);
    if (known !== undefined) return known;
    const used = new Set(this.#given.values());
    let port: number;
    if (this.#base === undefined) {
      do port = await ephemeralPort();
      while (used.has(port));
    } else {
      port = this.#next;
      this.#next += 1;
    }
    if (!(await isPortFree(port)))
      throw new PortTakenError(`port ${port} (for ${name}) is taken; refusing to run`);
    this.#given.set(name, port);
    return port;
  }
}

/** Refuses to start a server on a port someone else took since it was planned. */
export async function assertPortFree(port: number, name: string): Promise<void> {
  if (!(await isPortFree(port)))
    throw new PortTakenError(`port ${port} (for ${name}) is taken; refusing to run`);
}

export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
