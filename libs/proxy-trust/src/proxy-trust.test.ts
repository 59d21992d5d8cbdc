import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestIdGenerator } from './request-id.js';
import { compileTrust, fastifyTrustProxy } from './trusted-proxies.js';

const request = (remoteAddress: string, id?: string): IncomingMessage =>
  ({
    headers: id === undefined ? {} : { 'x-request-id': id },
    socket: { remoteAddress },
  }) as unknown as IncomingMessage;

describe('compileTrust', () => {
  it('trusts listed addresses and CIDRs only', () => {
    const trust = compileTrust(['10.0.0.0/8', '127.0.0.1']);
    expect(trust('10.1.2.3')).toBe(true);
    expect(trust('127.0.0.1')).toBe(true);
    expect(trust('192.168.0.1')).toBe(false);
    expect(trust(undefined)).toBe(false);
  });

  it('reports a malformed entry as a configuration problem naming the variable', () => {
    expect(() => compileTrust(['10.0.0.0/8', 'not-an-address'], 'GATEWAY_TRUSTED_PROXIES')).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        problems: [
          expect.stringMatching(/^GATEWAY_TRUSTED_PROXIES: invalid IP address: not-an-address/u),
        ],
      }),
    );
  });

  it('trusts nobody by default', () => {
    expect(compileTrust([])('127.0.0.1')).toBe(false);
  });

  it('gives the same answers when asked again, beyond the remembered addresses', () => {
    const trust = compileTrust(['10.0.0.0/8']);
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 1_500; i += 1) {
        expect(trust(`10.0.${i >> 8}.${i & 255}`)).toBe(true);
        expect(trust(`192.0.${i >> 8}.${i & 255}`)).toBe(false);
      }
    }
  });
});

describe('fastifyTrustProxy', () => {
  it('is off without trusted proxies and asks the trust function otherwise', () => {
    expect(fastifyTrustProxy(compileTrust([]), [])).toBe(false);
    const option = fastifyTrustProxy(compileTrust(['127.0.0.1']), ['127.0.0.1']);
    expect(option).not.toBe(false);
    if (option === false) return;
    expect(option('127.0.0.1')).toBe(true);
    expect(option('10.0.0.1')).toBe(false);
  });
});

describe('requestIdGenerator', () => {
  const generate = requestIdGenerator(compileTrust(['127.0.0.1']));

  it('keeps a well-formed id from a trusted proxy', () => {
    expect(generate(request('127.0.0.1', 'edge-abc.123:4'))).toBe('edge-abc.123:4');
  });

  it('makes its own for untrusted peers and for ill-formed ids', () => {
    expect(generate(request('203.0.113.1', 'client-chosen'))).toMatch(/^[0-9a-f-]{36}$/u);
    expect(generate(request('127.0.0.1', 'bad id with spaces'))).toMatch(/^[0-9a-f-]{36}$/u);
    expect(generate(request('127.0.0.1', 'x'.repeat(200)))).toMatch(/^[0-9a-f-]{36}$/u);
    expect(generate(request('127.0.0.1'))).toMatch(/^[0-9a-f-]{36}$/u);
  });
});
