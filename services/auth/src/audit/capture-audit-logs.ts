// Every log line that is an audit event (`{ audit: true, event: 'login.succeeded', ... }`) is also
// handed to the audit sink, with no change where it is logged. A wrapper around the service's
// logger (and every child made from it, request loggers included) rather than a pino hook: it
// sees the call before pino's level check, so a service logging at `warn` still stores its
// `info` audit events, and it wraps whatever logger the service is given (all-in-one, tests).
import type { AuditSink, NewAuditEvent } from '../admin/admin-ports.js';
import { cleanOptionalText, toAuditDetails } from './audit-details.js';

export interface AuditCaptureOptions {
  /** The events' `source`. Default `auth`. */
  readonly source?: string | undefined;
  readonly clock?: (() => number) | undefined;
}

/** What a logger must offer to be wrapped: pino's and fastify's loggers do. */
export interface ChildLogger {
  child(...args: never[]): unknown;
}

const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** Fields that become columns, or mark the line; the rest of the object becomes `details`. */
const COLUMN_FIELDS = new Set([
  'audit',
  'event',
  'userId',
  'actor',
  'sessionId',
  'ip',
  'requestId',
  'reqId',
]);

interface Context {
  readonly requestId: string | null;
}

/**
 * The same logger, every log call also checked for an audit event. Cheap for other lines (one
 * property test); never throws into the caller; the line itself is logged exactly as before.
 */
export function captureAuditLogs<L extends ChildLogger>(
  logger: L,
  sink: AuditSink,
  options: AuditCaptureOptions = {},
): L {
  const settings = { source: options.source ?? 'auth', clock: options.clock ?? Date.now };
  return wrap(logger, sink, settings, { requestId: null });
}

/**
 * The audit event of a log call's object, or undefined when it is not one (no `audit: true`, or
 * no `event` name). `requestId` is the request logger's binding when the object has none.
 */
export function auditEventFromLog(
  fields: Readonly<Record<string, unknown>>,
  context: { readonly requestId: string | null; readonly source: string; readonly at: number },
): NewAuditEvent | undefined {
  if (fields.audit !== true || typeof fields.event !== 'string' || fields.event === '')
    return undefined;
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (!COLUMN_FIELDS.has(key)) rest[key] = value;
  return {
    at: context.at,
    type: fields.event,
    userId: cleanOptionalText(fields.userId),
    actor: cleanOptionalText(fields.actor),
    sessionId: cleanOptionalText(fields.sessionId),
    ip: cleanOptionalText(fields.ip, 64),
    requestId:
      cleanOptionalText(fields.requestId, 128) ??
      cleanOptionalText(fields.reqId, 128) ??
      context.requestId,
    source: context.source,
    // A copy, made now: the caller may change its object after logging it.
    details: toAuditDetails(rest),
  };
}

function wrap<L extends object>(
  logger: L,
  sink: AuditSink,
  settings: { readonly source: string; readonly clock: () => number },
  context: Context,
): L {
  const capture = (first: unknown): void => {
    if (typeof first !== 'object' || first === null) return;
    if ((first as { audit?: unknown }).audit !== true) return;
    try {
      const event = auditEventFromLog(first as Record<string, unknown>, {
        requestId: context.requestId,
        source: settings.source,
        at: settings.clock(),
      });
      if (event !== undefined) sink.record(event);
    } catch {
      // Logging goes on whatever the audit side does (the sink counts its own failures).
    }
  };
  const wrappers = new Map<string, (...args: unknown[]) => unknown>();
  const wrapperOf = (target: L, name: string): ((...args: unknown[]) => unknown) => {
    let wrapper = wrappers.get(name);
    if (wrapper !== undefined) return wrapper;
    wrapper =
      name === 'child'
        ? (...args: unknown[]) => {
            const child = call(target, 'child', args) as L;
            return wrap(child, sink, settings, {
              requestId: requestIdOf(args[0]) ?? context.requestId,
            });
          }
        : (...args: unknown[]) => {
            capture(args[0]);
            // Looked up at each call: pino swaps a level's method when the level changes.
            return call(target, name, args);
          };
    wrappers.set(name, wrapper);
    return wrapper;
  };
  return new Proxy(logger, {
    get(target, property) {
      if (typeof property === 'string' && (property === 'child' || LOG_METHODS.has(property)))
        return wrapperOf(target, property);
      return Reflect.get(target, property) as unknown;
    },
  });
}

function call(target: object, name: string, args: unknown[]): unknown {
  const method = Reflect.get(target, name) as (...args: unknown[]) => unknown;
  return Reflect.apply(method, target, args);
}

/** fastify binds each request's logger to its id (`requestId` here; `reqId` by default). */
function requestIdOf(bindings: unknown): string | null {
  if (typeof bindings !== 'object' || bindings === null) return null;
  const { requestId, reqId } = bindings as { requestId?: unknown; reqId?: unknown };
  return cleanOptionalText(requestId, 128) ?? cleanOptionalText(reqId, 128);
}
