// The split stack as separate processes from the built services, behind the real nginx edge:
// what `npm run start:gateway|auth|sample-backend` and `npm run start:edge` run. The fault
// matrix's harness starts it, on the Redis of the e2e global setup.
import { join, resolve } from 'node:path';
import type { TestSmtpServer } from '@authflow/testing';
import { startFaultStack } from '../../faults/support/fault-stack.ts';

export const ARTIFACTS = join(resolve(import.meta.dirname, '../..'), '.artifacts', 'e2e');

export interface SplitStack {
  /** What a user opens: the nginx edge. */
  readonly url: string;
  readonly gatewayUrl: string;
  readonly smtp: TestSmtpServer;
  readonly redisUrl: string;
  stop(): Promise<void>;
}

/** Starts gateway, auth (PGlite), sample-backend and the edge on `redisUrl`; waits until each is ready. */
export async function startSplitStack(redisUrl: string): Promise<SplitStack> {
  const stack = await startFaultStack({
    scenario: 'e2e',
    redisUrl,
    logFolder: join(ARTIFACTS, 'logs'),
    edge: true,
    // A handful of sign-ins in a row is normal here; the edge's own tests cover the limit.
    edgeValues: { EDGE_RATE_AUTH: '600r/m' },
  });
  return {
    url: stack.url,
    gatewayUrl: stack.gateway.url,
    smtp: stack.smtp,
    redisUrl,
    stop: stack.stop,
  };
}
