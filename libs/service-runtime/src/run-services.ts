// Process lifecycle: listen, then on a signal stop accepting, drain in-flight work, close dependencies.
import closeWithGrace from 'close-with-grace';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

export interface ServiceToRun {
  readonly name: string;
  readonly app: FastifyInstance;
  readonly host: string;
  readonly port: number;
  /** The environment variable that set `port` (e.g. `GATEWAY_PORT`): named when it cannot be used. */
  readonly portSetting?: string;
  /** The environment variable that set `host` (e.g. `GATEWAY_HOST`): named when it is not ours. */
  readonly hostSetting?: string;
}

/**
 * A service could not listen where it was configured to: an operator's setting, not a bug, so
 * `startOrExit` prints the one-line message (naming the setting) and exits 1 without a stack.
 */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code: string;

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The operator's reading of a listen error, or undefined when it is not about the settings. */
export function explainListenError(service: ServiceToRun, error: unknown): ListenError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const port = `${service.portSetting ?? service.name}: port ${service.port} on ${service.host}`;
  const host = `${service.hostSetting ?? service.name}: ${service.host}`;
  const reasons: Readonly<Record<string, string>> = {
    EADDRINUSE: `${port} is already in use`,
    EACCES: `${port} is not allowed for this user (ports below 1024 need privileges)`,
    EADDRNOTAVAIL: `${host} is not an address of this machine`,
    ENOTFOUND: `${host} is not a known host name`,
  };
  const reason = reasons[code];
  return reason === undefined ? undefined : new ListenError(reason, code, { cause: error });
}

export interface RunOptions {
  readonly logger: FastifyBaseLogger;
  /** In-flight requests get this long to finish after a signal; then the process exits anyway. */
  readonly drainTimeoutMs: number;
  /** Closed after every app has closed (e.g. a store shared by apps). */
  readonly onClosed?: () => Promise<void>;
}

export interface RunningServices {
  /** Where each service listens, e.g. `http://127.0.0.1:8000`. */
  readonly urls: Readonly<Record<string, string>>;
  /** Triggers the same graceful close a signal would. */
  close(): void;
}

/**
 * Starts every service; SIGINT/SIGTERM (or an uncaught error) closes them all in parallel:
 * each stops accepting connections and waits for its in-flight requests (fastify's close),
 * up to `drainTimeoutMs`. A second signal or the timeout exits at once.
 */
export async function runServices(
  services: readonly ServiceToRun[],
  options: RunOptions,
): Promise<RunningServices> {
  const { logger } = options;
  const closer = closeWithGrace(
    {
      delay: options.drainTimeoutMs,
      // close-with-grace reports an Error or a text; an Error under `err` keeps its message and
      // stack (pino serialises only `err`).
      logger: {
        error: (message: unknown) =>
          message instanceof Error
            ? logger.error({ err: message }, 'forced shutdown')
            : logger.error({ detail: message }, 'forced shutdown'),
      },
    },
    async ({ signal, err }) => {
      if (err !== undefined) logger.error({ err }, 'shutting down after an unexpected error');
      else logger.info({ signal }, 'shutting down: draining in-flight requests');
      const drained = await Promise.allSettled(services.map(({ app }) => drain(app)));
      drained.forEach((outcome, index) => {
        if (outcome.status === 'rejected')
          logger.error(
            { err: outcome.reason as unknown, service: services[index]?.name },
            'a service failed to close cleanly',
          );
      });
      await options.onClosed?.();
      logger.info('shut down cleanly');
    },
  );
  const urls: Record<string, string> = {};
  try {
    for (const service of services) {
      urls[service.name] = await service.app
        .listen({ host: service.host, port: service.port })
        .catch((error: unknown) => {
          throw explainListenError(service, error) ?? error;
        });
    }
  } catch (error) {
    // Whatever listened already closes, so the process can exit with nothing left behind.
    closer.uninstall();
    await Promise.allSettled(services.map(({ app }) => app.close()));
    await options.onClosed?.();
    throw error;
  }
  return { urls, close: () => closer.close() };
}

/**
 * Closes an app and keeps reaping keep-alive connections as their last request finishes:
 * server.close() only closes the ones idle at the moment it is called, and a connection that
 * becomes idle later would otherwise hold the process until its keep-alive timeout.
 */
async function drain(app: FastifyInstance): Promise<void> {
  const reaper = setInterval(() => {
    app.server.closeIdleConnections();
  }, 50);
  try {
    await app.close();
  } finally {
    clearInterval(reaper);
  }
}
