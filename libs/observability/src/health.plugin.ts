// /health, /health/live (no I/O) and /health/ready (runs the readiness checks, 503 when one fails).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** A readiness check: resolves when the dependency is usable, rejects (with a reason) when not. */
export type ReadinessCheck = () => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Adds a check to /health/ready, for the plugin that owns the dependency (the sessions plugin
     * adds `redis`). Checks answer in the order they were added.
     */
    addReadinessCheck(name: string, check: ReadinessCheck): void;
    /**
     * Runs every readiness check once, without logging: each check's name with the reason it
     * failed, or `undefined` when it passed (a service's start-up wait uses it).
     */
    checkReadiness(): Promise<ReadonlyMap<string, string | undefined>>;
  }
}

export interface HealthPluginOptions {
  /** Checks known when the plugin is registered; plugins add theirs with `addReadinessCheck`. */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
  /** A check that has not answered by then counts as failed. */
  readonly timeoutMs?: number;
}

export const healthPlugin = fp(
  (app: FastifyInstance, options: HealthPluginOptions, done: () => void): void => {
    const timeoutMs = options.timeoutMs ?? 1_000;
    const registered = new Map<string, ReadinessCheck>(Object.entries(options.checks ?? {}));
    app.decorate('addReadinessCheck', (name: string, check: ReadinessCheck) => {
      if (registered.has(name)) throw new Error(`readiness check ${name} is already registered`);
      registered.set(name, check);
    });
    const checkReadiness = async (): Promise<ReadonlyMap<string, string | undefined>> => {
      const names = [...registered.keys()];
      const reasons = await Promise.all(
        names.map((name) => runCheck(registered.get(name), timeoutMs)),
      );
      return new Map(names.map((name, index) => [name, reasons[index]]));
    };
    app.decorate('checkReadiness', checkReadiness);
    const quiet = { logLevel: 'silent', config: { metricsRoute: 'health' } } as const;
    const alive = { status: 'ok' } as const;
    app.get('/health', quiet, () => alive);
    app.get('/health/live', quiet, () => alive);
    app.get('/health/ready', quiet, async (_request, reply) => {
      const results = await checkReadiness();
      // The answer says which check failed, never why: reasons name hosts, ports and errors of
      // internal dependencies, and whoever can reach the endpoint would read them. They go to
      // the log instead.
      const checks = Object.fromEntries(
        [...results].map(([name, reason]) => [name, reason === undefined ? 'ok' : 'failed']),
      );
      for (const [name, reason] of results)
        if (reason !== undefined) app.log.warn({ check: name, reason }, 'readiness check failed');
      const ready = [...results.values()].every((reason) => reason === undefined);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
    done();
  },
  { name: '@authflow/health', fastify: '5.x' },
);

/** Resolves to undefined when the check passed, else to the reason it failed. */
async function runCheck(
  check: ReadinessCheck | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  if (check === undefined) return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : 'unknown error';
  } finally {
    clearTimeout(timer);
  }
}
