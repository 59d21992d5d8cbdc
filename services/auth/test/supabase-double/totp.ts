// RFC 6238 TOTP as GoTrue runs it (pquerna/otp: SHA-1, 6 digits, 30 s, ±1 step), on node:crypto.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 20 random bytes, base32 without padding (32 characters), as `totp.Generate` makes them. */
export function generateTotpSecret(): string {
  return encodeBase32(randomBytes(20));
}

/**
 * The `otpauth://` URI of pquerna/otp: the path `/<issuer>:<account>` escaped as Go escapes a URL
 * path, then the parameters sorted by name and query-escaped with spaces as `%20`.
 */
export function totpUri(issuer: string, accountName: string, secret: string): string {
  const query = [
    ['algorithm', 'SHA1'],
    ['digits', String(TOTP_DIGITS)],
    ['issuer', issuer],
    ['period', String(TOTP_PERIOD_SECONDS)],
    ['secret', secret],
  ]
    .map(([name = '', value = '']) => `${name}=${goEscape(value, '')}`)
    .join('&');
  return `otpauth://totp/${goEscape(`${issuer}:${accountName}`, '$&+,/:;=@')}?${query}`;
}

/** Go's `url` escaping: every byte but the unreserved ones and `keep` is percent-encoded. */
function goEscape(text: string, keep: string): string {
  let output = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    output +=
      /[A-Za-z0-9\-_.~]/u.test(char) || keep.includes(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return output;
}

/** The code of `secret` (base32) for the 30 s step containing `atMs`. */
export function totpCode(secret: string, atMs: number): string {
  const counter = Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS);
  return hotp(decodeBase32(secret), counter);
}

/** `ValidateCustom` with `Skew: 1`: the previous, current or next step; any other length fails. */
export function isValidTotpCode(secret: string, code: string, atMs: number): boolean {
  if (!/^\d{6}$/u.test(code)) return false;
  const counter = Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS);
  const key = decodeBase32(secret);
  let valid = false;
  for (const step of [counter - 1, counter, counter + 1]) {
    // No early return: every step is compared.
    if (timingSafeEqual(Buffer.from(hotp(key, step)), Buffer.from(code))) valid = true;
  }
  return valid;
}

/** RFC 4226: HMAC-SHA-1 of the big-endian counter, dynamic truncation, 6 digits. */
function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', key).update(message).digest();
  const offset = (digest.at(-1) ?? 0) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** TOTP_DIGITS).padStart(TOTP_DIGITS, '0');
}

export function encodeBase32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let output = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += BASE32_ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) output += BASE32_ALPHABET.charAt((value << (5 - bits)) & 31);
  return output;
}

export function decodeBase32(text: string): Buffer {
  const clean = text.replace(/=+$/u, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of clean) {
    const index = BASE32_ALPHABET.indexOf(char);
    if (index === -1) throw new Error('supabase double: secret is not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}
