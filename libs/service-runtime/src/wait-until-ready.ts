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
 * Runs the app's `/health/ready` until it answers 200; after `timeoutMs` throws one
 * DependencyUnreachableError naming the setting of every check that still fails.
 */
export async function waitUntilReady(
  app: FastifyInstance,
  options: WaitUntilReadyOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let failing: string[];
  for (;;) {
    const response = await app.inject({ method: 'GET', url: '/health/ready' });
    if (response.statusCode === 200) return;
    failing = failedChecks(response.body);
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1_000));
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

function failedChecks(body: string): string[] {
  try {
    const { checks } = JSON.parse(body) as { checks?: Record<string, unknown> };
    return Object.entries(checks ?? {})
      .filter(([, state]) => state !== 'ok')
      .map(([name]) => name);
  } catch {
    return [];
  }
}
