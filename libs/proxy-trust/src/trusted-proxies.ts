// Which peers are trusted proxies (their X-Forwarded-* and X-Request-Id are believed).
import proxyAddr from 'proxy-addr';

export type TrustFunction = (address: string | undefined) => boolean;

/** Addresses or CIDRs, or `loopback`/`linklocal`/`uniquelocal` (proxy-addr's names). */
export function compileTrust(trusted: readonly string[]): TrustFunction {
  if (trusted.length === 0) return () => false;
  const trust = proxyAddr.compile([...trusted]);
  return (address) => address !== undefined && trust(address, 0);
}
