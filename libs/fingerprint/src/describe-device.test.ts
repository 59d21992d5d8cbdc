import { describe, expect, it } from 'vitest';
import { describeDevice } from './describe-device.js';

describe('describeDevice', () => {
  it.each([
    [
      'Chrome on macOS',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome 131 on macOS',
    ],
    [
      'Safari on iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari 17 on iOS',
    ],
    [
      'Firefox on Linux',
      'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox 133 on Linux',
    ],
    [
      'Edge on Windows',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Microsoft Edge 131 on Windows',
    ],
    [
      'Chrome on Android',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36',
      'Chrome 131 on Android',
    ],
    ['missing user agent', undefined, 'Unknown device'],
    ['blank user agent', '   ', 'Unknown device'],
    ['unrecognised client', 'my-script', 'Unknown device'],
  ])('%s', (_name, userAgent, expected) => {
    expect(describeDevice(userAgent)).toBe(expected);
  });

  it('never throws on hostile input', () => {
    expect(typeof describeDevice('\u0000'.repeat(10_000))).toBe('string');
    expect(typeof describeDevice('Mozilla/5.0 ('.repeat(5_000))).toBe('string');
  });
});
