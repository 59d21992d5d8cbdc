import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ForwardedView, forwardedView } from './forwarded-view.js';
import { compileTrust, fastifyTrustProxy } from './trusted-proxies.js';

// A differential test: a real fastify app, configured like createServiceApp, answers with what
// fastify says about each request and what forwardedView says about the same raw request. Real
// HTTP over a real socket (inject has no socket address), from 127.0.0.1.

interface FastifyAnswer {
  readonly ip: string;
  readonly protocol: string;
  readonly host: string;
}

interface ProbeAnswer {
  readonly fastify: FastifyAnswer;
  readonly view: ForwardedView;
}

interface Probe {
  readonly app: FastifyInstance;
  readonly port: number;
}

async function startProbe(trusted: readonly string[]): Promise<Probe> {
  const trust = compileTrust(trusted);
  const app = Fastify({ trustProxy: fastifyTrustProxy(trust, trusted) });
  app.get('/probe', (request): ProbeAnswer => ({
    fastify: { ip: request.ip, protocol: request.protocol, host: request.host },
    view: forwardedView(request.raw, trust, trusted.length > 0),
  }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as AddressInfo).port };
}

function probe(port: number, headers: Readonly<Record<string, string>>): Promise<ProbeAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, path: '/probe', method: 'GET', headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 200) {
            reject(new Error(`probe answered ${String(response.statusCode)}: ${body}`));
            return;
          }
          resolve(JSON.parse(body) as ProbeAnswer);
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

interface Case {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * What fastify says when the peer (127.0.0.1) is a trusted proxy; a missing field is the
   * direct answer (the peer, `http`, the Host header), as for an untrusted peer.
   */
  readonly behindTrustedPeer: Partial<FastifyAnswer>;
}

const HOST = 'service.example:8080';

const cases: readonly Case[] = [
  { name: 'no forwarding headers', headers: {}, behindTrustedPeer: {} },
  {
    name: 'a single X-Forwarded-For',
    headers: { 'x-forwarded-for': '1.2.3.4' },
    behindTrustedPeer: { ip: '1.2.3.4' },
  },
  {
    // 5.6.7.8 is not a trusted proxy, so it is the client.
    name: 'a multi-valued X-Forwarded-For',
    headers: { 'x-forwarded-for': '1.2.3.4, 5.6.7.8' },
    behindTrustedPeer: { ip: '5.6.7.8' },
  },
  {
    // 127.0.0.2 is loopback: trusted too, so the walk goes on to 1.2.3.4.
    name: 'a multi-valued X-Forwarded-For ending in a trusted hop',
    headers: { 'x-forwarded-for': '1.2.3.4, 127.0.0.2' },
    behindTrustedPeer: { ip: '1.2.3.4' },
  },
  {
    name: 'a multi-valued X-Forwarded-For without spaces',
    headers: { 'x-forwarded-for': '1.2.3.4,5.6.7.8' },
    behindTrustedPeer: { ip: '5.6.7.8' },
  },
  {
    name: 'a multi-valued X-Forwarded-For separated by a tab',
    headers: { 'x-forwarded-for': '1.2.3.4,\t5.6.7.8' },
    behindTrustedPeer: { ip: '5.6.7.8' },
  },
  {
    // With proxy-addr 2 (not fastify's fork) the tab hid that the last hop is a trusted proxy.
    name: 'a tab before a trusted hop in X-Forwarded-For',
    headers: { 'x-forwarded-for': '1.2.3.4,\t127.0.0.2' },
    behindTrustedPeer: { ip: '1.2.3.4' },
  },
  {
    name: 'X-Forwarded-Proto https',
    headers: { 'x-forwarded-proto': 'https' },
    behindTrustedPeer: { protocol: 'https' },
  },
  {
    name: 'a multi-valued X-Forwarded-Proto',
    headers: { 'x-forwarded-proto': 'https, http' },
    behindTrustedPeer: { protocol: 'http' },
  },
  {
    name: 'X-Forwarded-Host a.example',
    headers: { 'x-forwarded-host': 'a.example' },
    behindTrustedPeer: { host: 'a.example' },
  },
  {
    name: 'a multi-valued X-Forwarded-Host with spaces',
    headers: { 'x-forwarded-host': 'a.example ,  b.example:8443' },
    behindTrustedPeer: { host: 'b.example:8443' },
  },
  {
    name: 'a Host header with a port',
    headers: { host: HOST },
    behindTrustedPeer: { host: HOST },
  },
  {
    name: 'a Host header with a port and an X-Forwarded-Host',
    headers: { host: HOST, 'x-forwarded-host': 'a.example' },
    behindTrustedPeer: { host: 'a.example' },
  },
  {
    // node sends `X-Forwarded-Host:` with an empty value; fastify ignores it like a missing one.
    name: 'an empty X-Forwarded-Host',
    headers: { host: HOST, 'x-forwarded-host': '' },
    behindTrustedPeer: { host: HOST },
  },
  {
    name: 'an X-Forwarded-Host whose last entry is empty',
    headers: { host: HOST, 'x-forwarded-host': 'a.example,' },
    behindTrustedPeer: { host: '' },
  },
  {
    name: 'an empty X-Forwarded-Proto and X-Forwarded-For',
    headers: { 'x-forwarded-proto': '', 'x-forwarded-for': '' },
    behindTrustedPeer: {},
  },
  {
    name: 'all forwarding headers together',
    headers: {
      host: HOST,
      'x-forwarded-for': '9.9.9.9, 1.2.3.4',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'a.example',
    },
    behindTrustedPeer: { ip: '1.2.3.4', protocol: 'https', host: 'a.example' },
  },
];

const configurations = [
  { name: 'without trusted proxies', trusted: [], peerTrusted: false },
  { name: 'trusting loopback', trusted: ['loopback'], peerTrusted: true },
  { name: 'trusting 10.0.0.0/8 only', trusted: ['10.0.0.0/8'], peerTrusted: false },
] as const;

describe.each(configurations)('forwardedView $name', ({ trusted, peerTrusted }) => {
  let server: Probe;

  beforeAll(async () => {
    server = await startProbe(trusted);
  });

  afterAll(async () => {
    await server.app.close();
  });

  for (const testCase of cases) {
    it(`agrees with fastify for ${testCase.name}`, async () => {
      const { fastify, view } = await probe(server.port, testCase.headers);
      const direct: FastifyAnswer = {
        ip: '127.0.0.1',
        protocol: 'http',
        host: testCase.headers.host ?? `127.0.0.1:${server.port}`,
      };
      expect(fastify).toEqual(peerTrusted ? { ...direct, ...testCase.behindTrustedPeer } : direct);
      expect(view).toEqual({ ...fastify, peerTrusted });
    });
  }
});

describe('forwardedView concrete answers', () => {
  const servers = new Map<string, Probe>();
  const serverFor = (name: string): Probe => servers.get(name)!;

  beforeAll(async () => {
    servers.set('loopback', await startProbe(['loopback']));
    servers.set('10.0.0.0/8', await startProbe(['10.0.0.0/8']));
  });

  afterAll(async () => {
    await Promise.all([...servers.values()].map((server) => server.app.close()));
  });

  it('believes X-Forwarded-For from a trusted loopback peer', async () => {
    const { view } = await probe(serverFor('loopback').port, { 'x-forwarded-for': '1.2.3.4' });
    expect(view.ip).toBe('1.2.3.4');
    expect(view.peerTrusted).toBe(true);
  });

  it('believes X-Forwarded-Proto and X-Forwarded-Host from a trusted loopback peer', async () => {
    const { view } = await probe(serverFor('loopback').port, {
      host: HOST,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'a.example, b.example:8443',
    });
    expect(view).toEqual({
      ip: '127.0.0.1',
      protocol: 'https',
      host: 'b.example:8443',
      peerTrusted: true,
    });
  });

  it('ignores every forwarding header from an untrusted peer', async () => {
    const { view } = await probe(serverFor('10.0.0.0/8').port, {
      host: HOST,
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'a.example',
    });
    expect(view).toEqual({ ip: '127.0.0.1', protocol: 'http', host: HOST, peerTrusted: false });
  });
});
