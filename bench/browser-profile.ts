// The one browser every load generator impersonates: its headers go on every request, and every
// session the harness opens carries the fingerprint of exactly these headers.
import {
  computeFingerprint,
  describeDevice,
  type Fingerprint,
  fingerprintInputFromHeaders,
  type IpGranularity,
} from '@authflow/fingerprint';

/** Chrome on macOS, as the gateway's tests use; `accept` asks for JSON so denials are 401s. */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'user-agent':
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'accept-language': 'en-US,en;q=0.9',
  'sec-ch-ua-platform': '"macOS"',
  'sec-ch-ua-mobile': '?0',
  accept: 'application/json',
});

/** Every client of the harness connects from loopback, directly or through nginx. */
export const CLIENT_IP = '127.0.0.1';

export function browserFingerprint(ipGranularity: IpGranularity = 'prefix'): Fingerprint {
  return computeFingerprint(fingerprintInputFromHeaders(BROWSER_HEADERS, CLIENT_IP), {
    ipGranularity,
  });
}

export function browserDeviceLabel(): string {
  return describeDevice(BROWSER_HEADERS['user-agent']);
}
