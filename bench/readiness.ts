// Waiting for a started server: poll until it answers, fail fast (with its log) if it exits.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Child } from './process-group.ts';
import { acceptsConnections } from './ports.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function tailOf(file: string, bytes = 1_500): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '(no log)';
  }
}

export async function waitUntilReady(
  child: Child,
  probe: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.isRunning())
      throw new Error(
        `${child.name} exited before it was ready. Its log (${child.logFile}):\n${tailOf(child.logFile)}`,
      );
    if (await probe()) return;
    await sleep(50);
  }
  throw new Error(
    `${child.name} was not ready within ${timeoutMs} ms. Its log (${child.logFile}):\n${tailOf(child.logFile)}`,
  );
}

export const listening = (port: number) => (): Promise<boolean> => acceptsConnections(port);

/** A probe that is true when GET `url` answers `status`. */
export const answers =
  (url: string, status = 200) =>
  (): Promise<boolean> =>
    new Promise((resolve) => {
      const outgoing = request(url, { agent: false, timeout: 1_000 }, (response) => {
        response.resume();
        resolve(response.statusCode === status);
      });
      outgoing.once('timeout', () => outgoing.destroy());
      outgoing.once('error', () => resolve(false));
      outgoing.end();
    });
