// The harness itself: the stack starts, a signed-in device reaches the backend, and a restarted
// service comes back on the same port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, signedInAccount, startFaultStack } from './support/fault-stack.ts';

describe('fault stack', () => {
  let stack: FaultStack | undefined;
  beforeAll(async () => {
    stack = await startFaultStack({ scenario: 'harness' });
  });
  afterAll(() => stack?.stop());
  const running = (): FaultStack => {
    if (stack === undefined) throw new Error('the stack did not start');
    return stack;
  };

  it('signs a device in through the gateway and serves the protected app', async () => {
    const account = await signedInAccount(running());
    const app = await fetch(`${running().url}/app/api/profile`, { headers: account.headers });
    expect(app.status).toBe(200);
    const anonymous = await fetch(`${running().url}/app/api/profile`);
    expect(anonymous.status).toBe(401);
  });

  it('restarts a killed service on the same port', async () => {
    const exit = await running().backend.kill();
    expect(exit.signal).toBe('SIGKILL');
    await running().backend.start();
    expect((await fetch(`${running().backend.url}/health/live`)).status).toBe(200);
  });
});
