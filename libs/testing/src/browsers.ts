// Browser header profiles for tests: what a real browser sends, and the fingerprint of it.
import {
  computeFingerprint,
  describeDevice,
  type Fingerprint,
  fingerprintInputFromHeaders,
} from '@authflow/fingerprint';

export interface Browser {
  readonly headers: Readonly<Record<string, string>>;
  /** The client IP the gateway sees for this browser (127.0.0.1 unless sent through a trusted proxy). */
  readonly ip: string;
}

export const chromeOnMac: Browser = {
  headers: {
    'user-agent':
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'accept-language': 'en-US,en;q=0.9',
    'sec-ch-ua-platform': '"macOS"',
    'sec-ch-ua-mobile': '?0',
  },
  ip: '127.0.0.1',
};

export const firefoxOnLinux: Browser = {
  headers: {
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    'accept-language': 'de-DE,de;q=0.8',
  },
  ip: '127.0.0.1',
};

export function fingerprintOf(
  browser: Browser,
  ipGranularity: 'none' | 'prefix' | 'exact' = 'prefix',
): Fingerprint {
  return computeFingerprint(fingerprintInputFromHeaders(browser.headers, browser.ip), {
    ipGranularity,
  });
}

export function deviceLabelOf(browser: Browser): string {
  return describeDevice(browser.headers['user-agent']);
}
