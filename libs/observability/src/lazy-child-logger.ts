// Fastify makes a child logger (bound to the request id) for every request. With pino's redaction
// that is real work, and most requests never log a line. This factory hands fastify a stand-in
// that makes the child on the first line actually written, with the same bindings and options.
import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type LogArguments = Parameters<FastifyBaseLogger['info']>;

class LazyChildLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get #logger(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#options?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger.level = level;
  }

  fatal(...args: LogArguments): void {
    this.#logger.fatal(...args);
  }
  error(...args: LogArguments): void {
    this.#logger.error(...args);
  }
  warn(...args: LogArguments): void {
    this.#logger.warn(...args);
  }
  info(...args: LogArguments): void {
    this.#logger.info(...args);
  }
  debug(...args: LogArguments): void {
    this.#logger.debug(...args);
  }
  trace(...args: LogArguments): void {
    this.#logger.trace(...args);
  }
  silent(...args: LogArguments): void {
    this.#logger.silent(...args);
  }
  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#logger.child(bindings, options);
  }
}

/** For fastify's `childLoggerFactory` option. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
