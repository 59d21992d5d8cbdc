// The browser's page for an error a retry or the user can fix (429, 431, 502, 503, 504): one
// design for the gateway and the nginx edge, with retry guidance and the request id.

/** The statuses a browser gets a page for; every other error stays JSON. */
export type ErrorPageStatus = 429 | 431 | 502 | 503 | 504;

const PAGE_STATUSES: ReadonlySet<number> = new Set<ErrorPageStatus>([429, 431, 502, 503, 504]);

export function hasErrorPage(status: number): status is ErrorPageStatus {
  return PAGE_STATUSES.has(status);
}

export interface ErrorPageView {
  readonly status: ErrorPageStatus;
  /** The registry code, shown for support (`^[a-z][a-z0-9_]*$`, anything else is left out). */
  readonly code: string;
  /** Shown for support when it is a plain id (letters, digits, `._:-`, at most 128). */
  readonly requestId?: string | undefined;
  /** From `Retry-After`: "try again in N seconds", and a 502/503 page reloads itself then. */
  readonly retryAfterSeconds?: number | undefined;
}

/**
 * The Content-Security-Policy to serve the page with: no script, no request anywhere, only its
 * own inline style.
 */
export const ERROR_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CODE = /^[a-z][a-z0-9_]*$/u;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/u;
/** At most a day: a longer Retry-After is not worth counting down in a page. */
const MAX_RETRY_SECONDS = 86_400;

/**
 * The page as a complete HTML document. No value reaches the markup unless it matched a strict
 * pattern (code, request id) or is an integer, so nothing in it needs escaping: the texts are
 * this module's own.
 */
export function renderErrorPage(view: ErrorPageView): string {
  const retry = view.retryAfterSeconds;
  const usableRetry =
    retry !== undefined && Number.isInteger(retry) && retry >= 0 && retry <= MAX_RETRY_SECONDS;
  return pageMarkup(view.status, CODE.test(view.code) ? view.code : undefined, {
    requestId:
      view.requestId !== undefined && REQUEST_ID.test(view.requestId) ? view.requestId : undefined,
    retryAfter: usableRetry ? String(retry) : undefined,
  });
}

/**
 * The page for a web server that fills the request id and the retry delay per response with
 * server-side includes (nginx `ssi on`): `$request_id`, and `retryAfterVariable` when given.
 */
export function renderSsiErrorPage(
  status: ErrorPageStatus,
  code: string,
  retryAfterVariable?: string,
): string {
  if (!CODE.test(code)) throw new Error(`not an error code: ${code}`);
  if (retryAfterVariable !== undefined && !/^[a-z_][a-z0-9_]*$/u.test(retryAfterVariable))
    throw new Error(`not an nginx variable name: ${retryAfterVariable}`);
  const echo = (variable: string): string => `<!--# echo var="${variable}" -->`;
  return pageMarkup(status, code, {
    requestId: echo('request_id'),
    retryAfter: retryAfterVariable === undefined ? undefined : echo(retryAfterVariable),
  });
}

interface PageText {
  readonly title: string;
  readonly lead: string;
  /** What the user can do, after the retry guidance. */
  readonly advice?: string;
  /** A 502/503 page reloads itself once Retry-After has passed. */
  readonly reloads?: boolean;
}

const CLEAR_COOKIES =
  '<p>Clear the cookies of this site, then try again (you will need to sign in again):</p>' +
  '<ul><li>Chrome and Edge: click the icon left of the address, then <b>Cookies and site data</b>, ' +
  'and delete them.</li><li>Firefox: click the padlock, then <b>Clear cookies and site data</b>.</li>' +
  '<li>Safari: <b>Settings</b>, <b>Privacy</b>, <b>Manage Website Data</b>, remove this site.</li></ul>';

const UNAVAILABLE: PageText = {
  title: 'Back in a moment',
  lead: 'This service cannot be reached right now. Nothing is lost: if you were signed in, you still are.',
  reloads: true,
};

const TEXTS: Readonly<Record<ErrorPageStatus, PageText>> = {
  429: {
    title: 'Too many requests',
    lead: 'You have sent more requests than we accept in a short time, so this one was not processed.',
  },
  431: {
    title: 'Your cookies are too large',
    lead: 'Your browser sent more cookie data to this site than we accept, so we could not read the request.',
    advice: CLEAR_COOKIES,
  },
  502: UNAVAILABLE,
  503: UNAVAILABLE,
  504: {
    title: 'This is taking too long',
    lead: 'The service did not answer in time. If you were sending a form, check whether it went through before sending it again.',
  },
};

// Inline, so the page needs nothing from a service that may be down; light and dark schemes.
const STYLE =
  ':root{color-scheme:light dark;--fg:#1f2937;--bg:#f3f4f6;--card:#fff;--muted:#4b5563;--accent:#2563eb}' +
  '@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--bg:#111827;--card:#1f2937;--muted:#9ca3af;--accent:#93c5fd}}' +
  'body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}' +
  'header{max-width:34rem;margin:10vh auto 0;padding:0 1.5rem;font-weight:700;font-size:1.1rem}' +
  'main{max-width:34rem;margin:1rem auto;padding:1.5rem 2rem;background:var(--card);border-radius:.75rem;box-shadow:0 1px 3px #0003}' +
  'h1{font-size:1.5rem;margin:0 0 .75rem}a{color:var(--accent)}.retry{font-weight:600}' +
  '.muted{color:var(--muted);font-size:.875rem}code{font-size:.875rem;word-break:break-all}';

/** The document; `slots` hold markup already known to be safe. */
function pageMarkup(
  status: ErrorPageStatus,
  code: string | undefined,
  slots: { readonly requestId: string | undefined; readonly retryAfter: string | undefined },
): string {
  const text = TEXTS[status];
  const retries = status !== 431;
  const refresh =
    text.reloads === true && slots.retryAfter !== undefined
      ? `<meta http-equiv="refresh" content="${slots.retryAfter}">`
      : '';
  const when = slots.retryAfter === undefined ? 'in a moment' : `in ${slots.retryAfter} seconds`;
  const guidance = retries
    ? `<p class="retry">Please try again ${when}.` +
      (text.reloads === true && slots.retryAfter !== undefined
        ? ' This page will try again by itself.'
        : '') +
      '</p>'
    : '';
  const reference = [
    code === undefined ? '' : `Error ${status} <code>${code}</code>`,
    slots.requestId === undefined ? '' : `Reference <code>${slots.requestId}</code>`,
  ]
    .filter((part) => part !== '')
    .join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${refresh}<link rel="icon" href="data:,">
<title>${text.title} · AuthFlow</title>
<style>${STYLE}</style>
</head>
<body>
<header>AuthFlow</header>
<main>
<h1>${text.title}</h1>
<p>${text.lead}</p>
${guidance}${text.advice ?? ''}
<p><a href="">${retries ? 'Try again now' : 'Try again'}</a></p>
${reference === '' ? '' : `<p class="muted">${reference}. Quote it if you contact support.</p>\n`}</main>
</body>
</html>
`;
}
