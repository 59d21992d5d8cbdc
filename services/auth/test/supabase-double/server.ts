// node:http front of the double: record, inject faults, gateway key check, route, render errors.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DoubleCore } from './double-core.js';
import type { DoubleRequest } from './double-request.js';
import {
  API_VERSION_HEADER,
  negotiateApiVersion,
  renderGatewayKeyError,
  renderGatewayNoRoute,
  renderGoTrueError,
  renderOAuthStyleError,
  type ApiVersion,
} from './error-envelope.js';
import { BAD_GATEWAY_HTML, faultAsGoTrueError, type Fault, type FaultInjector } from './faults.js';
import { GoTrueError, goTrueErrors, OAuthStyleError } from './gotrue-errors.js';
import {
  clientIpOf,
  flattenHeaders,
  readIncomingBody,
  toAuthPath,
  type IncomingBody,
} from './incoming-request.js';
import { emptyReply, textReply, writeReply, type Reply } from './reply.js';
import { parseRecordedBody, type RequestRecorder } from './request-recorder.js';
import { matchRoute, ROUTES } from './routes/index.js';

const KEYLESS_PATHS: ReadonlySet<string> = new Set(['/authorize']);

export interface DoubleServerDeps {
  readonly core: DoubleCore;
  readonly faults: FaultInjector;
  readonly recorder: RequestRecorder;
  /** Told about errors that are bugs in the double (answered as 500 `unexpected_failure`). */
  readonly onInternalError: (error: unknown) => void;
}

/** Makes `server` answer as the double (attached after listen, once the URL is known). */
export function serveDouble(server: Server, deps: DoubleServerDeps): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res, deps).catch((error: unknown) => {
      // A client that hung up mid-request is not a bug in the double.
      if (!req.socket.destroyed) deps.onInternalError(error);
      res.destroy();
    });
  });
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: DoubleServerDeps,
): Promise<void> {
  // Prefixing (instead of a base URL) keeps a path like `//x` from being read as a host.
  const url = new URL(`http://double.invalid${req.url ?? '/'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = flattenHeaders(req);
  const body = await readIncomingBody(req);
  const authPath = toAuthPath(url.pathname);
  deps.recorder.record({
    method,
    path: url.pathname,
    authPath,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: parseRecordedBody(body.text),
    rawBody: body.text,
    receivedAt: new Date(deps.core.clock.now()),
  });
  const apiVersion = negotiateApiVersion(headers[API_VERSION_HEADER]);
  // Faults act at the edge, before the gateway and GoTrue: the request changes no state.
  const fault = deps.faults.take(method, authPath ?? url.pathname);
  if (fault?.kind === 'drop-connection') {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'delay') {
    await sleep(fault.ms);
    // A client that gave up meanwhile must not have its request processed later, into another test.
    if (req.socket.destroyed) return;
  }
  const reply =
    fault !== null && fault.kind !== 'delay'
      ? renderFault(fault, apiVersion)
      : await answer(
          deps,
          { method, url, headers, body, authPath, remoteAddress: req.socket.remoteAddress ?? '' },
          apiVersion,
        );
  writeReply(res, reply);
}

interface ParsedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: IncomingBody;
  readonly authPath: string | null;
  readonly remoteAddress: string;
}

async function answer(
  deps: DoubleServerDeps,
  parsed: ParsedRequest,
  apiVersion: ApiVersion,
): Promise<Reply> {
  const core = deps.core;
  if (parsed.authPath === null) return renderGatewayNoRoute();
  const apiKey = parsed.headers.apikey ?? parsed.url.searchParams.get('apikey') ?? '';
  // The gateway lets browser navigations to /authorize through without a key (reference 10.2).
  if (!KEYLESS_PATHS.has(parsed.authPath)) {
    if (apiKey === '') return renderGatewayKeyError('missing');
    if (apiKey !== core.keys.anonKey && apiKey !== core.keys.serviceRoleKey) {
      return renderGatewayKeyError('invalid');
    }
  }
  const match = matchRoute(ROUTES, parsed.method, parsed.authPath);
  // chi's defaults, which GoTrue keeps for unknown paths and methods.
  if (match.kind === 'not-found')
    return textReply(404, 'text/plain; charset=utf-8', '404 page not found\n');
  if (match.kind === 'method-not-allowed') return emptyReply(405);
  const request: DoubleRequest = {
    method: parsed.method,
    path: parsed.authPath,
    params: match.params,
    query: parsed.url.searchParams,
    headers: parsed.headers,
    rawBody: parsed.body.text,
    clientIp: clientIpOf(parsed.headers, parsed.remoteAddress, apiKey === core.keys.serviceRoleKey),
  };
  try {
    if (parsed.body.tooLarge) throw goTrueErrors.bodyTooLarge();
    return await match.route.handler(request, core);
  } catch (error) {
    if (error instanceof GoTrueError) return renderGoTrueError(error, apiVersion);
    if (error instanceof OAuthStyleError) return renderOAuthStyleError(error);
    // Anything else is a bug in the double; GoTrue's panic path answers 500 unexpected_failure.
    deps.onInternalError(error);
    return renderGoTrueError(goTrueErrors.unexpectedFailure(), apiVersion);
  }
}

function renderFault(
  fault: Exclude<Fault, { kind: 'delay' | 'drop-connection' }>,
  apiVersion: ApiVersion,
): Reply {
  const error = faultAsGoTrueError(fault);
  return error === null
    ? textReply(502, 'text/html', BAD_GATEWAY_HTML)
    : renderGoTrueError(error, apiVersion);
}
