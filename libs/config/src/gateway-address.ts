// Where a service finds the gateway when it is not told: derived from the gateway's own settings,
// so split mode sharing one .env (GATEWAY_HOST, GATEWAY_PORT) needs no second copy of them.
import { env } from './env.js';

/** The gateway's listen settings, read by services that talk to it (same names, same defaults). */
export const gatewayAddressVariables = {
  GATEWAY_HOST: env.string('127.0.0.1'),
  GATEWAY_PORT: env.port(8000),
};

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

/** `http://HOST:PORT/.well-known/jwks.json` of a gateway on this machine (a wildcard host → loopback). */
export function localGatewayJwksUrl(host: string, port: number): string {
  const reachable = ANY_ADDRESS.has(host) ? '127.0.0.1' : host;
  const authority =
    reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${authority}:${port}/.well-known/jwks.json`;
}
