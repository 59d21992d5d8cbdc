// Turns a user agent into a short label people recognise in their session list.
import Bowser from 'bowser';
import { normaliseUserAgent } from './normalise.js';

const UNKNOWN_DEVICE = 'Unknown device';

/**
 * `Chrome 131 on macOS`, `Safari 17 on iOS`, `Firefox 133 on Linux`; `Unknown device` when
 * nothing is recognised. Never throws, whatever the input.
 */
export function describeDevice(userAgent: string | undefined): string {
  const ua = normaliseUserAgent(userAgent);
  if (ua === '') return UNKNOWN_DEVICE;
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(ua);
  } catch {
    return UNKNOWN_DEVICE;
  }
  const browser = parsed.browser.name ?? '';
  const major = (parsed.browser.version ?? '').split('.')[0] ?? '';
  const os = parsed.os.name ?? '';
  const name = browser === '' ? '' : major === '' ? browser : `${browser} ${major}`;
  if (name !== '' && os !== '') return `${name} on ${os}`;
  if (name !== '') return name;
  if (os !== '') return `Browser on ${os}`;
  return UNKNOWN_DEVICE;
}
