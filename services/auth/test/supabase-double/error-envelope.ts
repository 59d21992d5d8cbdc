// Renders errors in the four wire shapes of the reference (section 1.5): A (2024-01-01), B (legacy), C, D.
import { randomUUID } from 'node:crypto';
import type { GoTrueError, OAuthStyleError } from './gotrue-errors.js';
import { jsonReply, type Reply } from './reply.js';

export const API_VERSION_HEADER = 'x-supabase-api-version';
const API_VERSION_2024 = '2024-01-01';
const API_VERSION_2024_MS = Date.UTC(2024, 0, 1);

/** The API version GoTrue settles on for a request: `'2024-01-01'`, or `null` for the legacy shape. */
export type ApiVersion = typeof API_VERSION_2024 | null;

/** GoTrue parses the header as a `YYYY-MM-DD` date; anything unparsable or older means legacy. */
export function negotiateApiVersion(header: string | undefined): ApiVersion {
  if (header === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(header)) return null;
  const parsed = Date.parse(`${header}T00:00:00Z`);
  if (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== header) return null;
  return parsed >= API_VERSION_2024_MS ? API_VERSION_2024 : null;
}

export function renderGoTrueError(error: GoTrueError, apiVersion: ApiVersion): Reply {
  const weak =
    error.weakPasswordReasons === undefined
      ? {}
      : { weak_password: { reasons: [...error.weakPasswordReasons] } };
  if (apiVersion !== null) {
    // Shape A. GoTrue does not set x-sb-error-code on the weak-password path of this shape.
    const headers: Record<string, string> = { [API_VERSION_HEADER]: apiVersion };
    if (error.weakPasswordReasons === undefined) headers['x-sb-error-code'] = error.code;
    return jsonReply(error.status, { code: error.code, message: error.message, ...weak }, headers);
  }
  const errorId = error.status >= 500 ? { error_id: randomUUID() } : {};
  return jsonReply(
    error.status,
    { code: error.status, error_code: error.code, msg: error.message, ...errorId, ...weak },
    { 'x-sb-error-code': error.code },
  );
}

export function renderOAuthStyleError(error: OAuthStyleError): Reply {
  return jsonReply(error.status, { error: error.error, error_description: error.message });
}

/** Shape D: what the API gateway answers before GoTrue sees the request. */
export function renderGatewayKeyError(kind: 'missing' | 'invalid'): Reply {
  return kind === 'missing'
    ? jsonReply(401, {
        message: 'No API key found in request',
        hint: 'No `apikey` request header or url param was found.',
      })
    : jsonReply(401, {
        message: 'Invalid API key',
        hint: 'Double check your Supabase `anon` or `service_role` API key.',
      });
}

/** Shape D for a path the gateway has no route for (outside `/auth/v1`). */
export function renderGatewayNoRoute(): Reply {
  return jsonReply(404, { message: 'no Route matched with those values' });
}
