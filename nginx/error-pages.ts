// The edge's own error answers as files (nginx/error-pages/): an HTML page per status for
// browsers, drawn by the same renderer as the gateway's pages, and the gateway's JSON envelope for
// everyone else. nginx fills the request id and the retry delay per response (ssi on).
// Regenerate after changing the page design or a message: node nginx/write-error-pages.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ErrorPageStatus, renderSsiErrorPage } from '@authflow/errors';
import { gatewayErrors } from '@authflow/gateway/errors';
import { EDGE_ERROR_PAGES_DIR } from './render-config.ts';

type GatewayCode = keyof typeof gatewayErrors.definitions;

interface EdgeError {
  readonly status: ErrorPageStatus;
  readonly code: GatewayCode;
  /** The nginx variable holding the Retry-After the page quotes, when it sends one. */
  readonly retryAfterVariable?: string;
}

/** Every answer nginx makes itself that a browser gets a page for. */
export const EDGE_ERRORS: readonly EdgeError[] = [
  { status: 429, code: 'rate_limited', retryAfterVariable: 'authflow_error_retry_after' },
  { status: 431, code: 'headers_too_large' },
  { status: 503, code: 'upstream_unavailable', retryAfterVariable: 'authflow_error_retry_after' },
  { status: 504, code: 'upstream_timeout' },
];

/** File name → content, for every page and JSON body the template serves. */
export function renderEdgeErrorFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const { status, code, retryAfterVariable } of EDGE_ERRORS) {
    files.set(`${status}.html`, renderSsiErrorPage(status, code, retryAfterVariable));
    const { message } = gatewayErrors.definitions[code];
    // nginx's $request_id is hex, so the body is valid JSON once the include is filled.
    const body = JSON.stringify({ error: { code, message, request_id: '@REQUEST_ID@' } });
    files.set(
      `${status}.json`,
      `${body.replace('"@REQUEST_ID@"', '"<!--# echo var="request_id" -->"')}\n`,
    );
  }
  return files;
}

/** The files as committed in nginx/error-pages/. */
export function readEdgeErrorFiles(): Map<string, string> {
  return new Map(
    readdirSync(EDGE_ERROR_PAGES_DIR)
      .sort()
      .map((name) => [name, readFileSync(join(EDGE_ERROR_PAGES_DIR, name), 'utf8')]),
  );
}
