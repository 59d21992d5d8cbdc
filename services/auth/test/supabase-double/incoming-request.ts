// Reads a node:http request into plain values: capped body text, lower-cased headers, split URL.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export const MAX_BODY_BYTES = 1024 * 1024;
export const AUTH_PREFIX = '/auth/v1';

export interface IncomingBody {
  readonly text: string;
  /** Over `MAX_BODY_BYTES`: the body was drained and dropped. */
  readonly tooLarge: boolean;
}

/** Drains the whole body even when too large, so the client is never cut off mid-upload. */
export function readIncomingBody(req: IncomingMessage): Promise<IncomingBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const tooLarge = size > MAX_BODY_BYTES;
      resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge });
    });
    req.on('error', reject);
  });
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The path below `/auth/v1` (`''` for the root itself), or `null` outside it. */
export function toAuthPath(pathname: string): string | null {
  if (pathname === AUTH_PREFIX) return '';
  return pathname.startsWith(`${AUTH_PREFIX}/`) ? pathname.slice(AUTH_PREFIX.length) : null;
}

/**
 * The IP GoTrue attributes a request to (`utilities.GetIPAddress`): `Sb-Forwarded-For`, which the
 * platform honours only with a secret key, else the first valid `X-Forwarded-For` entry, else the
 * peer address. MFA challenges are bound to it.
 */
export function clientIpOf(
  headers: Readonly<Record<string, string>>,
  remoteAddress: string,
  withSecretKey: boolean,
): string {
  const forwarded = (headers['sb-forwarded-for'] ?? '').trim();
  if (withSecretKey && isIP(forwarded) !== 0) return forwarded;
  for (const entry of (headers['x-forwarded-for'] ?? '').split(',')) {
    if (isIP(entry.trim()) !== 0) return entry.trim();
  }
  return remoteAddress;
}
