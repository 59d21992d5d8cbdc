// Before a service listens, its dependencies must answer: a Redis or database that is down at
// start is one line naming the setting that points at it, not a "ready" service that fails
// every request.
import type { FastifyInstance } from 'fastify';

/** A dependency named by a setting did not answer at start. */
export class DependencyUnreachableError extends Error {
  override readonly name = 'DependencyUnreachableError';
}

export interface WaitUntilReadyOptions {
  /** How long the dependencies get to answer (they may be starting alongside this service). */
  readonly timeoutMs: number;
  /** Time between tries (each try runs the readiness checks once). */
  readonly intervalMs?: number;
  /** The setting behind each readiness check, named in the message (`redis` → `REDIS_URL`). */
  readonly settings: Readonly<Record<string, string>>;
}

/**
 * Runs the app's readiness checks until they all pass; after `timeoutMs` throws one
 * DependencyUnreachableError naming the setting of every check that still fails.
 */
export async function waitUntilReady(
  app: FastifyInstance,
  options: WaitUntilReadyOptions,
): Promise<void> {
  // Plugins add their checks while loading: run them once everything is loaded. The checks
  // run without logging each failure (a dependency still connecting is expected here); what
  // still fails at the deadline is the one line the service exits with.
  await app.ready();
  const deadline = Date.now() + options.timeoutMs;
  let failing: string[];
  for (;;) {
    const results = await app.checkReadiness();
    failing = [...results].filter(([, reason]) => reason !== undefined).map(([name]) => name);
    if (failing.length === 0) return;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
  const seconds = Math.round(options.timeoutMs / 1_000);
  // Checks behind one setting (Redis: sessions and revocations) make one line.
  const bySetting = new Map<string, string[]>();
  for (const check of failing.length === 0 ? ['readiness'] : failing) {
    const setting = options.settings[check] ?? check;
    bySetting.set(setting, [...(bySetting.get(setting) ?? []), check]);
  }
  throw new DependencyUnreachableError(
    [...bySetting]
      .map(
        ([setting, checks]) => `${setting}: no answer within ${seconds} s (${checks.join(', ')})`,
      )
      .join('; '),
  );
}
