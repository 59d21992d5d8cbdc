// What /app/api/headers shows: the request headers as they arrived, with credentials shortened or masked.
import type { IncomingHttpHeaders } from 'node:http';
import { ASSERTION_HEADER } from '@authflow/gateway-assertion';

/** Enough of the assertion to see that one arrived; not enough to replay it. */
export const ASSERTION_PREVIEW_LENGTH = 20;

export type VisibleHeaders = Record<string, string | string[]>;

/**
 * Every header that arrived, in arrival order. The assertion is cut to its first characters,
 * cookie values and credentials are masked: an endpoint that echoed them would hand HttpOnly
 * cookies and bearer tokens to any script running on the page.
 */
export function visibleHeaders(headers: IncomingHttpHeaders): VisibleHeaders {
  const visible: VisibleHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) visible[name] = mask(name, value);
  }
  return visible;
}

function mask(name: string, value: string | string[]): string | string[] {
  if (Array.isArray(value)) return value.map((item) => mask(name, item) as string);
  if (name === ASSERTION_HEADER) return previewAssertion(value);
  if (name === 'cookie') return maskCookieValues(value);
  if (name === 'authorization' || name === 'proxy-authorization') {
    return `${value.split(' ', 1)[0] ?? ''} …`;
  }
  return value;
}

export function previewAssertion(token: string): string {
  return token.length > ASSERTION_PREVIEW_LENGTH
    ? `${token.slice(0, ASSERTION_PREVIEW_LENGTH)}…`
    : token;
}

/** `a=1; b=2` → `a=…; b=…`: which cookies arrived, not what they hold. */
function maskCookieValues(cookie: string): string {
  return cookie
    .split(';')
    .map((pair) => pair.split('=', 1)[0]?.trim() ?? '')
    .filter((name) => name !== '')
    .map((name) => `${name}=…`)
    .join('; ');
}
