import type { SessionRecord } from '@authflow/sessions';
import { describe, expect, it } from 'vitest';
import {
  expiresCookie,
  identityHeaders,
  removeHopByHop,
  type RequestView,
  upstreamHeaderList,
  upstreamHeaders,
} from './upstream-headers.js';

const rewrite = { cookieName: 'authflow_session', legacyIdentityHeaders: new Set(['x-user-id']) };
const view = (peerTrusted: boolean): RequestView => ({
  id: 'req-1',
  ip: '203.0.113.9',
  protocol: 'https',
  host: 'app.example.com',
  peerAddress: '10.0.0.2',
  peerTrusted,
});
const session = {
  id: 's1',
  userId: 'u1',
  email: 'zoë@example.com',
  roles: ['member', 'bad role'],
} as unknown as SessionRecord;

const inbound = Object.freeze({
  host: 'app.example.com',
  accept: 'text/html',
  cookie: 'theme=dark; authflow_session=secret-token',
  connection: 'keep-alive, X-Drop-Me',
  'x-drop-me': '1',
  'keep-alive': 'timeout=5',
  expect: '100-continue',
  'x-authflow-user-id': 'forged',
  'x-user-id': 'forged',
  'x-forwarded-for': '198.51.100.1',
  'x-real-ip': '198.51.100.1',
});

describe('upstreamHeaders', () => {
  it('passes ordinary headers and nothing a client could forge, without touching the input', () => {
    const headers = upstreamHeaders(inbound, view(false), rewrite, {
      identity: { session, assertion: 'jwt' },
      host: 'backend:8002',
    });
    expect(headers).toEqual({
      host: 'backend:8002',
      accept: 'text/html',
      cookie: 'theme=dark',
      'x-forwarded-for': '10.0.0.2',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.example.com',
      'x-request-id': 'req-1',
      'x-authflow-user-id': 'u1',
      'x-authflow-email': 'zo%C3%AB@example.com',
      'x-authflow-roles': 'member',
      'x-authflow-assertion': 'jwt',
    });
  });

  it('believes forwarding headers only from a trusted proxy, appending its own hop', () => {
    const headers = upstreamHeaders(inbound, view(true), rewrite, { identity: undefined });
    expect(headers['x-forwarded-for']).toBe('198.51.100.1, 10.0.0.2');
    expect(headers['x-real-ip']).toBe('198.51.100.1');
    expect(headers.host).toBeUndefined();
    expect(headers['x-authflow-user-id']).toBeUndefined();
  });

  it('sets the headers it owns once, over what a client or proxy sent (CI of 870c5f6)', () => {
    const sent = {
      ...inbound,
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'edge.example.com',
      'x-request-id': 'from-the-edge',
    };
    for (const trusted of [true, false]) {
      const list = upstreamHeaderList(sent, view(trusted), rewrite, {
        identity: { session, assertion: 'jwt' },
        host: 'backend:8002',
      });
      const names = list.filter((_, index) => index % 2 === 0);
      expect(new Set(names).size).toBe(names.length);
      const headers = upstreamHeaders(sent, view(trusted), rewrite, { identity: undefined });
      expect(headers['x-forwarded-proto']).toBe('https');
      expect(headers['x-forwarded-host']).toBe('app.example.com');
      expect(headers['x-request-id']).toBe('req-1');
    }
  });

  it('never forwards the session cookie, with or without an identity (issue 14)', () => {
    const lone = { ...inbound, cookie: 'authflow_session=secret-token' };
    for (const identity of [undefined, { session, assertion: 'jwt' }]) {
      expect(upstreamHeaders(inbound, view(true), rewrite, { identity }).cookie).toBe('theme=dark');
      expect(upstreamHeaders(lone, view(true), rewrite, { identity })).not.toHaveProperty('cookie');
      const handshake = upstreamHeaders(lone, view(false), rewrite, { identity, only: ['cookie'] });
      expect(handshake).not.toHaveProperty('cookie');
    }
  });

  it('forwards only the listed headers when asked (WebSocket handshakes)', () => {
    const headers = upstreamHeaders(inbound, view(false), rewrite, {
      identity: undefined,
      only: ['accept', 'cookie', 'x-drop-me'],
    });
    expect(Object.keys(headers).sort()).toEqual([
      'accept',
      'cookie',
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-proto',
      'x-request-id',
    ]);
  });
});

describe('upstreamHeaderList', () => {
  it('is the same headers as a flat list for undici, one pair per value', () => {
    const options = { identity: { session, assertion: 'jwt' }, host: 'backend:8002' };
    const list = upstreamHeaderList(inbound, view(true), rewrite, options);
    const pairs = Array.from({ length: list.length / 2 }, (_, index) => [
      list[2 * index],
      list[2 * index + 1],
    ]);
    expect(Object.fromEntries(pairs)).toEqual(
      upstreamHeaders(inbound, view(true), rewrite, options),
    );
    expect(new Set(pairs.map(([name]) => name)).size).toBe(pairs.length);
    const twice = { ...inbound, 'x-multi': ['1', '2'] };
    const multi = upstreamHeaderList(twice, view(false), rewrite, { identity: undefined });
    expect(multi.filter((_, index) => index % 2 === 1 && multi[index - 1] === 'x-multi')).toEqual([
      '1',
      '2',
    ]);
  });
});

describe('identityHeaders', () => {
  it('is computed once per session record and assertion', () => {
    const first = identityHeaders({ session, assertion: 'a1' });
    expect(identityHeaders({ session, assertion: 'a1' })).toBe(first);
    expect(identityHeaders({ session, assertion: 'a2' })['x-authflow-assertion']).toBe('a2');
  });
});

describe('removeHopByHop', () => {
  it("drops a response's fixed hop-by-hop headers and those its Connection header names", () => {
    const headers: Record<string, string | string[] | undefined> = {
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
      connection: 'keep-alive, X-Upstream-Private',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'x-upstream-private': 'internal',
    };
    removeHopByHop(headers);
    expect(headers).toEqual({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe('expiresCookie', () => {
  it('sees an expired session cookie, by empty value, Max-Age or a past Expires', () => {
    const name = 'authflow_session';
    expect(expiresCookie('authflow_session=; Path=/; Max-Age=0; HttpOnly', name)).toBe(true);
    expect(expiresCookie('authflow_session=gone; max-age=-1', name)).toBe(true);
    expect(
      expiresCookie(
        ['theme=dark', 'authflow_session=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT'],
        name,
      ),
    ).toBe(true);
    expect(expiresCookie('authflow_session=; Path=/', name)).toBe(true);
  });

  it('leaves a renewed session cookie and other cookies alone', () => {
    const name = 'authflow_session';
    expect(expiresCookie('authflow_session=fresh-token; Path=/; HttpOnly', name)).toBe(false);
    expect(expiresCookie('authflow_session=t; Max-Age=3600', name)).toBe(false);
    expect(expiresCookie('theme=; Max-Age=0', name)).toBe(false);
    expect(expiresCookie('x_authflow_session=; Max-Age=0', name)).toBe(false);
    expect(expiresCookie([], name)).toBe(false);
  });
});
