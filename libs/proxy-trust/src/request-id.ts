// Request ids: an inbound X-Request-Id is kept only from a trusted proxy, otherwise one is made.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TrustFunction } from './trusted-proxies.js';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/u;

export function requestIdGenerator(isTrusted: TrustFunction): (request: IncomingMessage) => string {
  return (request) => {
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
