import { describe, expect, it } from 'vitest';
import { localGatewayJwksUrl } from './gateway-address.js';

describe('localGatewayJwksUrl', () => {
  it('follows the gateway port and host', () => {
    expect(localGatewayJwksUrl('127.0.0.1', 9100)).toBe(
      'http://127.0.0.1:9100/.well-known/jwks.json',
    );
    expect(localGatewayJwksUrl('gateway.internal', 8000)).toBe(
      'http://gateway.internal:8000/.well-known/jwks.json',
    );
  });

  it('reaches a gateway listening on every address through loopback', () => {
    expect(localGatewayJwksUrl('0.0.0.0', 8000)).toBe(
      'http://127.0.0.1:8000/.well-known/jwks.json',
    );
    expect(localGatewayJwksUrl('::', 8000)).toBe('http://127.0.0.1:8000/.well-known/jwks.json');
  });

  it('brackets an IPv6 host', () => {
    expect(localGatewayJwksUrl('::1', 8000)).toBe('http://[::1]:8000/.well-known/jwks.json');
  });
});
