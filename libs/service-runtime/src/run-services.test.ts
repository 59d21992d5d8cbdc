import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./test-support/slow-service.ts', import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  slowAnswer: string;
}

/** Runs the fixture service, starts a slow request, sends SIGTERM mid-request. */
async function interruptMidRequest(requestMs: number, drainMs: number): Promise<Outcome> {
  const child = spawn(process.execPath, [fixture, String(requestMs), String(drainMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const url = await new Promise<string>((resolve) => {
    child.stdout.on('data', () => {
      const match = /READY (\S+)/u.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
  });
  const slow = fetch(`${url}/slow`).then(
    (response) => response.text(),
    (error: unknown) => `failed: ${String(error)}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, slowAnswer: await slow };
}

describe('runServices', () => {
  it('lets an in-flight request finish after SIGTERM and exits 0', async () => {
    const outcome = await interruptMidRequest(400, 5_000);
    expect(outcome.slowAnswer).toBe('done');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('shut down cleanly');
    expect(outcome.stdout).toContain('store closed');
  });

  it('exits anyway when draining takes longer than the limit', async () => {
    const outcome = await interruptMidRequest(10_000, 300);
    expect(outcome.code).toBe(1);
    expect(outcome.slowAnswer).toMatch(/^failed/u);
  });
});
