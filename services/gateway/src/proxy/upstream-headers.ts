// What an upstream receives: inbound identity and hop-by-hop headers removed, identity injected.
import type { SessionRecord } from '@authflow/sessions';
import { removeCookie } from '@authflow/sessions';

/** Connection-specific headers (RFC 9110 §7.6.1) a proxy must not forward. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Forwarding headers believed only when they come from a trusted proxy. */
const FORWARDING = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
];

export interface HeaderRewrite {
  readonly cookieName: string;
  /** Configured legacy identity headers, lower-case (x-user-id, remote-user, ...). */
  readonly legacyIdentityHeaders: ReadonlySet<string>;
}

export interface RequestView {
  readonly id: string;
  readonly ip: string;
  readonly protocol: string;
  readonly host: string;
  readonly peerAddress: string | undefined;
  readonly peerTrusted: boolean;
}

export interface Identity {
  readonly session: SessionRecord;
  readonly assertion: string;
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * Rewrites `headers` (a copy of the inbound ones) for the upstream. Everything a client could
 * use to impersonate someone is removed first — `x-authflow-*`, the legacy identity headers —
 * and, unless `keepSessionCookie`, the gateway's own cookie; then the verified identity (if
 * any) and the forwarding headers are set.
 */
export function rewriteUpstreamHeaders(
  headers: Headers,
  request: RequestView,
  rewrite: HeaderRewrite,
  options: { keepSessionCookie: boolean; identity: Identity | undefined; keepHopByHop?: boolean },
): Headers {
  for (const name of Object.keys(headers)) {
    if (
      name.startsWith('x-authflow-') ||
      rewrite.legacyIdentityHeaders.has(name) ||
      (options.keepHopByHop !== true && HOP_BY_HOP.has(name))
    ) {
      delete headers[name];
    }
  }
  if (!options.keepSessionCookie) {
    const cookie = removeCookie(
      typeof headers.cookie === 'string' ? headers.cookie : undefined,
      rewrite.cookieName,
    );
    if (cookie === undefined) delete headers.cookie;
    else headers.cookie = cookie;
  }
  setForwarding(headers, request);
  headers['x-request-id'] = request.id;
  if (options.identity !== undefined) Object.assign(headers, identityHeaders(options.identity));
  return headers;
}

/** The identity headers (DESIGN.md §2 step 8). Only the assertion is authoritative. */
export function identityHeaders({ session, assertion }: Identity): Record<string, string> {
  return {
    'x-authflow-user-id': asciiHeader(session.userId),
    'x-authflow-email': asciiHeader(session.email),
    'x-authflow-roles': session.roles.filter((role) => /^[\w.:-]+$/u.test(role)).join(','),
    'x-authflow-assertion': assertion,
  };
}

function setForwarding(headers: Headers, request: RequestView): void {
  const inboundFor = headers['x-forwarded-for'];
  if (!request.peerTrusted) for (const name of FORWARDING) delete headers[name];
  const peer = request.peerAddress ?? request.ip;
  headers['x-forwarded-for'] =
    request.peerTrusted && typeof inboundFor === 'string' && inboundFor !== ''
      ? `${inboundFor}, ${peer}`
      : peer;
  headers['x-forwarded-proto'] = request.protocol;
  headers['x-forwarded-host'] = request.host;
}

/** Header values stay printable ASCII; anything else is percent-encoded (UTF-8). */
function asciiHeader(value: string): string {
  return /^[\u0020-\u007e]*$/u.test(value)
    ? value
    : value.replace(/[^\u0020-\u007e]/gu, (c) => encodeURIComponent(c));
}
