// One error handler per service: every failure becomes the JSON envelope with a stable code.
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import fp from 'fastify-plugin';
import {
  type AuthflowError,
  type ErrorRegistry,
  errorBody,
  isAuthflowError,
} from './error-registry.js';

export interface ErrorHandlerOptions<Code extends string> {
  readonly registry: ErrorRegistry<Code>;
  /** Malformed requests fastify rejects itself (bad JSON, bad content type, bad URL). */
  readonly badRequestCode: NoInfer<Code>;
  /** Schema validation failures. Defaults to `badRequestCode`. */
  readonly validationCode?: NoInfer<Code>;
  readonly payloadTooLargeCode: NoInfer<Code>;
  readonly notFoundCode: NoInfer<Code>;
  /** Anything unexpected; logged with its stack, answered without details. */
  readonly internalCode: NoInfer<Code>;
  /** Adds `x-authflow-error: <code>` to every error response (the gateway does). */
  readonly errorHeader?: boolean;
  /**
   * Turns a service's own error types (or a plugin's) into registry errors before the generic
   * mapping applies; return undefined to leave an error to it.
   */
  readonly mapError?: (error: unknown) => AuthflowError | undefined;
  /**
   * Lets a service render some errors itself (e.g. an HTML page for a browser). Return true
   * when the reply was handled.
   */
  readonly render?: (request: FastifyRequest, reply: FastifyReply, error: AuthflowError) => boolean;
}

/** Checks at compile time that every code named in the options exists in the registry. */
export function errorHandlerOptions<Code extends string>(
  options: ErrorHandlerOptions<Code>,
): ErrorHandlerOptions<string> {
  return options;
}

export const errorHandlerPlugin = fp(
  (app: FastifyInstance, options: ErrorHandlerOptions<string>, done: () => void): void => {
    const { registry } = options;
    const toAuthflowError = (error: FastifyError | AuthflowError): AuthflowError => {
      if (isAuthflowError(error)) return error;
      const mapped = options.mapError?.(error);
      if (mapped !== undefined) return mapped;
      if (error.validation !== undefined) {
        return registry.create(options.validationCode ?? options.badRequestCode, {
          message: 'The request is not valid.',
          details: {
            fields: error.validation.map((issue) => ({
              path: issue.instancePath,
              problem: issue.message,
            })),
          },
          cause: error,
        });
      }
      const status = error.statusCode ?? 500;
      if (status === 413) return registry.create(options.payloadTooLargeCode, { cause: error });
      if (status === 404) return registry.create(options.notFoundCode, { cause: error });
      if (status >= 400 && status < 500) {
        return registry.create(options.badRequestCode, {
          message: safeClientMessage(error),
          cause: error,
        });
      }
      return registry.create(options.internalCode, { cause: error });
    };

    app.setErrorHandler((error: FastifyError | AuthflowError, request, reply) => {
      const failure = toAuthflowError(error);
      logFailure(request.log, error, failure, options.internalCode);
      return sendError(request, reply, failure, options);
    });

    app.setNotFoundHandler((request, reply) =>
      sendError(request, reply, registry.create(options.notFoundCode), options),
    );
    done();
  },
  { name: '@authflow/errors', fastify: '5.x' },
);

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: AuthflowError,
  options: ErrorHandlerOptions<string>,
): FastifyReply {
  // The error's headers (Retry-After, ...) hold whoever draws the body.
  if (options.errorHeader === true) void reply.header('x-authflow-error', failure.code);
  for (const [name, value] of Object.entries(failure.headers)) void reply.header(name, value);
  if (options.render?.(request, reply, failure) === true) return reply;
  return reply
    .code(failure.statusCode)
    .type('application/json; charset=utf-8')
    .send(errorBody(failure.code, failure.message, request.id, failure.details));
}

/** A dependency outage: expected, and answered many times while it lasts. */
const OUTAGE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * One line per failed request. An outage (502/503/504 from the registry) is expected and
 * repeats for every request while it lasts, so it is a short debug line: the code and the
 * cause's message, no stack and no error object (a 10 s Redis outage at 100 req/s wrote 3,821
 * error lines with stacks). Whoever watches the dependency reports the outage itself, once.
 * Bugs (500) keep the error level and the stack; refusals (4xx) stay at debug.
 */
function logFailure(
  log: FastifyBaseLogger,
  error: unknown,
  failure: AuthflowError,
  internalCode: string,
): void {
  if (OUTAGE_STATUSES.has(failure.statusCode) && failure.code !== internalCode) {
    log.debug({ code: failure.code, reason: messageOf(failure.cause) }, 'dependency unavailable');
  } else if (failure.statusCode >= 500) {
    log.error({ err: error, code: failure.code }, 'request failed');
  } else {
    log.debug({ code: failure.code, cause: failure.cause }, 'request refused');
  }
}

/** The cause's message only (never its stack or fields); undefined without one. */
function messageOf(cause: unknown): string | undefined {
  if (cause instanceof Error) {
    // Node's AggregateError for a refused dual-stack connect has an empty message, not a code.
    const code = (cause as { code?: unknown }).code;
    return cause.message !== '' ? cause.message : typeof code === 'string' ? code : cause.name;
  }
  return typeof cause === 'string' ? cause : undefined;
}

/** Fastify's own 4xx messages are safe to show (no user data); anything else gets a generic one. */
function safeClientMessage(error: FastifyError): string {
  return typeof error.code === 'string' && error.code.startsWith('FST_')
    ? error.message
    : 'The request is not valid.';
}
