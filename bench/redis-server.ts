// A private redis-server for the run (no persistence), pinned to the server CPU.
import type { Child, ProcessGroup } from './process-group.ts';
import { assertPortFree } from './ports.ts';
import { listening, waitUntilReady } from './readiness.ts';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly child: Child;
}

export async function startRedisServer(group: ProcessGroup, port: number): Promise<RedisServer> {
  await assertPortFree(port, 'redis-server');
  const child = group.start(
    'redis-server',
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      // 100,000 sessions and their indexes fit many times over; never evict them.
      '--maxmemory',
      '0',
    ],
    { role: 'server' },
  );
  await waitUntilReady(child, listening(port));
  return { url: `redis://127.0.0.1:${port}`, port, child };
}
