// Which peers are trusted proxies (their X-Forwarded-* and X-Request-Id are believed).
import { ConfigError } from '@authflow/config';
import proxyAddr from 'proxy-addr';

export type TrustFunction = (address: string | undefined) => boolean;

/** Addresses or CIDRs, or `loopback`/`linklocal`/`uniquelocal` (proxy-addr's names). */
export function compileTrust(
  trusted: readonly string[],
  variable = 'trusted proxies',
): TrustFunction {
  if (trusted.length === 0) return () => false;
  let trust: ReturnType<typeof proxyAddr.compile>;
  try {
    trust = proxyAddr.compile([...trusted]);
  } catch (error) {
    // An operator's typo is a configuration problem, reported like every other one.
    throw new ConfigError([
      `${variable}: ${error instanceof Error ? error.message : String(error)} (expected addresses, CIDRs, or loopback / linklocal / uniquelocal)`,
    ]);
  }
  // Every request asks about the same few peers (the edge, the load balancer), several times
  // (client IP, forwarding headers, request id); parsing the address each time shows up in
  // profiles. The answers are remembered, and forgotten all at once when there are too many.
  const answers = new Map<string, boolean>();
  return (address) => {
    if (address === undefined) return false;
    let trusted = answers.get(address);
    if (trusted === undefined) {
      trusted = trust(address, 0);
      if (answers.size >= MAX_REMEMBERED_ADDRESSES) answers.clear();
      answers.set(address, trusted);
    }
    return trusted;
  };
}

const MAX_REMEMBERED_ADDRESSES = 1_024;

/** fastify's `trustProxy` option: the same decisions (hop-independent, like the list form). */
export function fastifyTrustProxy(trust: TrustFunction, trusted: readonly string[]) {
  return trusted.length === 0 ? false : (address: string) => trust(address);
}
