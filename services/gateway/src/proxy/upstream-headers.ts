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
const FORWARDING = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
]);

/**
 * Headers the gateway sets on every upstream request itself; a client's (or a trusted proxy's)
 * are never passed beside them (a trusted proxy's `x-forwarded-for` is extended, below).
 */
const SET_BY_GATEWAY = new Set(['host', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id']);

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

export interface UpstreamHeaderOptions {
  readonly identity: Identity | undefined;
  /** The `Host` the upstream receives; absent: the client's is dropped and the caller sets it. */
  readonly host?: string;
  /** Forward only these client headers (WebSocket handshakes); absent: all that may pass. */
  readonly only?: readonly string[];
}

/**
 * The headers an upstream receives, built fresh from the client's (which are left as they are).
 * Everything a client could use to impersonate someone never passes — `x-authflow-*`, the
 * legacy identity headers — nor do hop-by-hop headers (and any the client's `Connection` header
 * names), `Expect` (already answered), forwarding headers from untrusted peers, and the
 * gateway's own cookie: on every route, whatever its access mode, an upstream learns who is
 * calling only from the identity the gateway verified, never by judging the cookie itself. Then
 * the forwarding headers, the request id and the verified identity (if any) are set.
 */
export function upstreamHeaders(
  inbound: Readonly<Headers>,
  request: RequestView,
  rewrite: HeaderRewrite,
  options: UpstreamHeaderOptions,
): Headers {
  const list = upstreamHeaderList(inbound, request, rewrite, options);
  const headers: Headers = {};
  for (let index = 0; index < list.length; index += 2) {
    const name = list[index] as string;
    const value = list[index + 1] as string;
    const earlier = headers[name];
    headers[name] =
      earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  return headers;
}

/**
 * The same headers as `upstreamHeaders`, as undici takes them best: one flat `[name, value, …]`
 * list (a header with several values appears once per value), with no intermediate object.
 */
export function upstreamHeaderList(
  inbound: Readonly<Headers>,
  request: RequestView,
  rewrite: HeaderRewrite,
  options: UpstreamHeaderOptions,
): string[] {
  const connectionListed = listedIn(inbound.connection);
  const list: string[] = [];
  let inboundFor: string | string[] | undefined;
  for (const name of options.only ?? Object.keys(inbound)) {
    const value = inbound[name];
    if (
      value === undefined ||
      SET_BY_GATEWAY.has(name) ||
      name === 'expect' ||
      HOP_BY_HOP.has(name) ||
      name.startsWith('x-authflow-') ||
      rewrite.legacyIdentityHeaders.has(name) ||
      (!request.peerTrusted && FORWARDING.has(name)) ||
      connectionListed?.has(name) === true
    )
      continue;
    if (name === 'x-forwarded-for') inboundFor = value;
    else if (name === 'cookie') {
      const cookie = removeCookie(
        typeof value === 'string' ? value : undefined,
        rewrite.cookieName,
      );
      if (cookie !== undefined) list.push(name, cookie);
    } else if (typeof value === 'string') list.push(name, value);
    else for (const each of value) list.push(name, each);
  }
  if (options.host !== undefined) list.push('host', options.host);
  const peer = request.peerAddress ?? request.ip;
  list.push(
    'x-forwarded-for',
    typeof inboundFor === 'string' && inboundFor !== '' ? `${inboundFor}, ${peer}` : peer,
    'x-forwarded-proto',
    request.protocol,
    'x-forwarded-host',
    request.host,
    'x-request-id',
    request.id,
  );
  if (options.identity !== undefined) list.push(...identityHeaderList(options.identity));
  return list;
}

/**
 * Removes, in place, the hop-by-hop headers of an upstream's response: the fixed ones and any
 * its own `Connection` header names (the same rules as for requests, the other way).
 */
export function removeHopByHop(headers: Headers): void {
  const connectionListed = listedIn(headers.connection);
  for (const name of Object.keys(headers))
    if (HOP_BY_HOP.has(name) || connectionListed?.has(name) === true) delete headers[name];
}

/**
 * The Set-Cookie of a proxied response: the gateway's own first (an expired session cookie on an
 * optional route), then the upstream's. One of the gateway's is left out when the upstream sets
 * a cookie of the same name: a sign-in that answers a stale cookie with a fresh one must win.
 */
export function mergeSetCookie(
  gateway: number | string | readonly string[],
  upstream: string | readonly string[] | undefined,
): string[] {
  const fromUpstream =
    upstream === undefined ? [] : typeof upstream === 'string' ? [upstream] : upstream;
  const upstreamNames = new Set(fromUpstream.map(cookieNameOf));
  const own = (typeof gateway === 'object' ? gateway : [String(gateway)]).filter(
    (cookie) => !upstreamNames.has(cookieNameOf(cookie)),
  );
  return [...own, ...fromUpstream];
}

/**
 * Whether an answer's Set-Cookie lines expire the cookie `name`: an empty value, `Max-Age` of 0
 * or less, or an `Expires` date in the past.
 */
export function expiresCookie(setCookie: string | readonly string[], name: string): boolean {
  for (const line of typeof setCookie === 'string' ? [setCookie] : setCookie) {
    if (cookieNameOf(line) !== name) continue;
    const [pair = '', ...attributes] = line.split(';');
    if (pair.slice(pair.indexOf('=') + 1).trim() === '') return true;
    for (const attribute of attributes) {
      const [key = '', value = ''] = attribute.split('=', 2).map((part) => part.trim());
      if (/^max-age$/iu.test(key) && Number(value) <= 0) return true;
      if (/^expires$/iu.test(key) && Date.parse(value) <= Date.now()) return true;
    }
  }
  return false;
}

function cookieNameOf(setCookie: string): string {
  const equals = setCookie.indexOf('=');
  return (equals === -1 ? setCookie : setCookie.slice(0, equals)).trim();
}

/** Lower-case names a `Connection` header lists (hop-by-hop by declaration, RFC 9110 §7.6.1). */
function listedIn(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const names = new Set<string>();
  for (const value of Array.isArray(connection) ? connection : [connection])
    for (const name of value.split(',')) names.add(name.trim().toLowerCase());
  return names;
}

/** Identity headers per session record and assertion: the same for every request until re-signed. */
const identityHeadersCache = new WeakMap<
  SessionRecord,
  {
    readonly assertion: string;
    readonly headers: Readonly<Record<string, string>>;
    /** The same headers as a flat `[name, value, …]` list. */
    readonly list: readonly string[];
  }
>();

/** The identity headers (DESIGN.md §2 step 8). Only the assertion is authoritative. */
export function identityHeaders(identity: Identity): Readonly<Record<string, string>> {
  return identityHeadersOf(identity).headers;
}

function identityHeaderList(identity: Identity): readonly string[] {
  return identityHeadersOf(identity).list;
}

function identityHeadersOf({ session, assertion }: Identity) {
  const cached = identityHeadersCache.get(session);
  if (cached?.assertion === assertion) return cached;
  const headers = {
    'x-authflow-user-id': asciiHeader(session.userId),
    'x-authflow-email': asciiHeader(session.email),
    'x-authflow-roles': session.roles.filter((role) => /^[\w.:-]+$/u.test(role)).join(','),
    'x-authflow-assertion': assertion,
  };
  const entry = { assertion, headers, list: Object.entries(headers).flat() };
  identityHeadersCache.set(session, entry);
  return entry;
}

/** Header values stay printable ASCII; anything else is percent-encoded (UTF-8). */
function asciiHeader(value: string): string {
  return /^[\u0020-\u007e]*$/u.test(value)
    ? value
    : value.replace(/[^\u0020-\u007e]/gu, (c) => encodeURIComponent(c));
}
