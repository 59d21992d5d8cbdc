// The harness itself: the stack starts, a signed-in device reaches the backend, and a restarted
// service comes back on the same port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, signedInAccount, startFaultStack } from './support/fault-stack.ts';

describe('fault stack', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack({ scenario: 'harness' });
  });
  afterAll(() => stack?.stop());

  it('signs a device in through the gateway and serves the protected app', async () => {
    const account = await signedInAccount(stack);
    const app = await fetch(`${stack.url}/app/api/profile`, { headers: account.headers });
    expect(app.status).toBe(200);
    const anonymous = await fetch(`${stack.url}/app/api/profile`);
    expect(anonymous.status).toBe(401);
  });

  it('restarts a killed service on the same port', async () => {
    const exit = await stack.backend.kill();
    expect(exit.signal).toBe('SIGKILL');
    await stack.backend.start();
    expect((await fetch(`${stack.backend.url}/health/live`)).status).toBe(200);
  });
});
