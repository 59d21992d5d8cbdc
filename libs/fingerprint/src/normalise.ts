// Normalisation of the request facts a fingerprint is built from: the same browser must
// give the same strings, whatever order, case or spacing its headers use.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** How much of the client IP takes part in the fingerprint. */
export type IpGranularity = 'none' | 'prefix' | 'exact';

/** Longest header value read; longer input is cut before any parsing (bounded work). */
export const MAX_HEADER_LENGTH = 1024;
const MAX_USER_AGENT_LENGTH = 512;
const MAX_LANGUAGE_ENTRIES = 16;
const MAX_HINT_LENGTH = 64;

// Control characters never belong in these headers; dropping them keeps the canonical
// list (joined with newlines) unambiguous.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/gu;
const WHITESPACE_RUN = /\s+/gu;

function clean(value: string | undefined, maxLength: number): string {
  if (value === undefined) return '';
  return value
    .slice(0, MAX_HEADER_LENGTH)
    .normalize('NFC')
    .replace(CONTROL_CHARACTERS, ' ')
    .replace(WHITESPACE_RUN, ' ')
    .trim()
    .slice(0, maxLength);
}

/** User agents are compared as sent, apart from spacing and length. */
export function normaliseUserAgent(value: string | undefined): string {
  return clean(value, MAX_USER_AGENT_LENGTH);
}

/**
 * Accept-Language as a canonical list: tags lower-cased, invalid entries dropped, ordered by
 * quality (highest first) and then by tag, so `en-US,en;q=0.9` and `en;q=0.9, EN-us` agree.
 */
export function normaliseAcceptLanguage(value: string | undefined): string {
  const entries: { tag: string; quality: number }[] = [];
  for (const raw of completeEntries(value).split(',')) {
    const [tagPart = '', ...params] = raw.split(';');
    const tag = tagPart.trim().toLowerCase();
    if (!/^(?:\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*)$/u.test(tag)) continue;
    const quality = parseQuality(params);
    if (quality === undefined || quality === 0) continue;
    if (entries.some((entry) => entry.tag === tag)) continue;
    entries.push({ tag, quality });
    if (entries.length === MAX_LANGUAGE_ENTRIES) break;
  }
  entries.sort((a, b) => b.quality - a.quality || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return entries.map(({ tag, quality }) => (quality === 1 ? tag : `${tag};q=${quality}`)).join(',');
}

/** The header cut to the bounded length at an entry boundary, so no half tag survives. */
function completeEntries(value: string | undefined): string {
  if (value === undefined || value.length <= MAX_HEADER_LENGTH)
    return clean(value, MAX_HEADER_LENGTH);
  const cut = value.slice(0, MAX_HEADER_LENGTH + 1);
  return clean(cut.slice(0, Math.max(0, cut.lastIndexOf(','))), MAX_HEADER_LENGTH);
}

function parseQuality(params: string[]): number | undefined {
  let quality = 1;
  for (const param of params) {
    const [name = '', raw = ''] = param.split('=');
    if (name.trim().toLowerCase() !== 'q') continue;
    if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/u.test(raw.trim())) return undefined;
    quality = Number(raw.trim());
  }
  return quality;
}

/** A structured-header string client hint such as `sec-ch-ua-platform: "macOS"`. */
export function normaliseClientHint(value: string | undefined): string {
  return clean(value, MAX_HINT_LENGTH).replace(/^"|"$/gu, '').trim().toLowerCase();
}

/** `sec-ch-ua-mobile` is a structured boolean: `?1` or `?0`; anything else counts as absent. */
export function normaliseMobileHint(value: string | undefined): string {
  const hint = clean(value, MAX_HINT_LENGTH);
  if (hint === '?1') return 'mobile';
  if (hint === '?0') return 'desktop';
  return '';
}

/**
 * The client IP reduced to the chosen granularity. `prefix` keeps the network (IPv4 /24,
 * IPv6 /64) so a device moving between addresses of one network keeps its fingerprint.
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`) counts as the IPv4 address. Unparseable input gives ''.
 */
export function reduceIp(value: string | undefined, granularity: IpGranularity): string {
  if (granularity === 'none' || value === undefined) return '';
  const address = parseIp(value.slice(0, 64).trim());
  if (address === undefined) return '';
  if (address.kind() === 'ipv4') {
    const octets = (address as ipaddr.IPv4).octets;
    return granularity === 'exact' ? octets.join('.') : `${octets.slice(0, 3).join('.')}.0/24`;
  }
  const v6 = address as ipaddr.IPv6;
  if (granularity === 'exact') return v6.toRFC5952String();
  const network = new ipaddr.IPv6([...v6.parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toRFC5952String()}/64`;
}

function parseIp(value: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  // Brackets and zone ids (`[fe80::1%eth0]`) are transport details, not part of the address.
  const bare = value.replace(/^\[|\]$/gu, '').replace(/%.*$/u, '');
  // node:net is strict (no `127.1` or hex octets), so only canonical forms get through.
  if (isIP(bare) === 0) return undefined;
  return ipaddr.process(bare);
}
