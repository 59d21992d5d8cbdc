// Request ids: an inbound X-Request-Id is kept only from a trusted proxy, otherwise one is made.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TrustFunction } from './trusted-proxies.js';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/u;

/**
 * Where a request's id is kept when it was given one before fastify saw it (the gateway's fast
 * path hands a request it began to fastify to answer a failure): fastify keeps that id.
 */
export const ASSIGNED_REQUEST_ID: unique symbol = Symbol('authflow.requestId');

type WithAssignedId = IncomingMessage & { [ASSIGNED_REQUEST_ID]?: string };

export function requestIdGenerator(isTrusted: TrustFunction): (request: IncomingMessage) => string {
  return (request) => {
    const assigned = (request as WithAssignedId)[ASSIGNED_REQUEST_ID];
    if (assigned !== undefined) return assigned;
    const inbound = request.headers['x-request-id'];
    if (
      typeof inbound === 'string' &&
      ACCEPTABLE_ID.test(inbound) &&
      isTrusted(request.socket.remoteAddress)
    ) {
      return inbound;
    }
    return randomUUID();
  };
}
