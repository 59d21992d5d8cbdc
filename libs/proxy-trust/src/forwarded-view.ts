// What fastify's `request.ip`, `.protocol` and `.host` say for a raw request, for code that
// answers a request before fastify sees it (the gateway's fast path): the same decisions from the
// same trust function, so either path tells an upstream the same client, scheme and host.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
// fastify's own fork: it reads X-Forwarded-For entries as fastify does (tabs around an entry
// included, which proxy-addr 2 would keep and so stop at: a different client address).
import proxyAddr from '@fastify/proxy-addr';
import type { TrustFunction } from './trusted-proxies.js';

export interface ForwardedView {
  /** The client address behind trusted proxies (fastify `request.ip`). */
  readonly ip: string;
  /** `http` or `https`, or a trusted proxy's `X-Forwarded-Proto` (fastify `request.protocol`). */
  readonly protocol: string;
  /** The `Host`, or a trusted proxy's `X-Forwarded-Host` (fastify `request.host`). */
  readonly host: string;
  /** Whether the peer itself is a trusted proxy. */
  readonly peerTrusted: boolean;
}

/**
 * `anyTrusted`: whether any proxy is trusted at all (fastify's `trustProxy` is off otherwise, and
 * the forwarding headers are never read).
 */
export function forwardedView(
  request: IncomingMessage,
  trust: TrustFunction,
  anyTrusted: boolean,
): ForwardedView {
  const socket = request.socket;
  const headers = request.headers;
  const peer = socket.remoteAddress;
  const encrypted = (socket as Partial<TLSSocket>).encrypted === true;
  if (!anyTrusted)
    return {
      ip: peer ?? '',
      protocol: encrypted ? 'https' : 'http',
      host: headers.host ?? '',
      peerTrusted: false,
    };
  const peerTrusted = trust(peer);
  const forwardedHost = headers['x-forwarded-host'];
  const forwardedProto = headers['x-forwarded-proto'];
  return {
    ip: proxyAddr(request, (address) => trust(address)),
    protocol:
      peerTrusted && typeof forwardedProto === 'string' && forwardedProto !== ''
        ? lastEntry(forwardedProto)
        : encrypted
          ? 'https'
          : 'http',
    host:
      peerTrusted && typeof forwardedHost === 'string' && forwardedHost !== ''
        ? lastEntry(forwardedHost)
        : (headers.host ?? ''),
    peerTrusted,
  };
}

/** The last of a comma-separated header's entries, as fastify reads X-Forwarded-Host/-Proto. */
function lastEntry(value: string): string {
  const comma = value.lastIndexOf(',');
  return comma === -1 ? value.trim() : value.slice(comma + 1).trim();
}
