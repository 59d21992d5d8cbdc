// The browser's page for a route policy's 403: who is signed in, that this account may not pass,
// and a way to sign in as someone else. A page with a link, never a redirect (no loop possible).
// TODO(issue 17): move into @authflow/errors' renderErrorPage once it takes a 403 with an action
// link, so the gateway and the edge share one page design.

export interface ForbiddenPageView {
  /** Shown for support when it is a plain id (letters, digits, `._:-`, at most 128). */
  readonly requestId: string;
  /** The signed-in address; shown only when it is a plain address (nothing to escape). */
  readonly email?: string | undefined;
  /** "Sign in as someone else": the sign-out page with a signed `next` back here. */
  readonly switchAccountUrl: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/u;
const PLAIN_EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}$/u;
/** A configured path (checked at start) with an optional signed `next` (base64url and dots). */
const SWITCH_URL = /^\/(?!\/)[A-Za-z0-9._~/-]*(?:\?next=[A-Za-z0-9._~%-]{1,4096})?$/u;

// Inline, like the other error pages: the page needs nothing from any service; light and dark.
const STYLE =
  ':root{color-scheme:light dark;--fg:#1f2937;--bg:#f3f4f6;--card:#fff;--muted:#4b5563;--accent:#2563eb}' +
  '@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--bg:#111827;--card:#1f2937;--muted:#9ca3af;--accent:#93c5fd}}' +
  'body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}' +
  'header{max-width:34rem;margin:10vh auto 0;padding:0 1.5rem;font-weight:700;font-size:1.1rem}' +
  'main{max-width:34rem;margin:1rem auto;padding:1.5rem 2rem;background:var(--card);border-radius:.75rem;box-shadow:0 1px 3px #0003}' +
  'h1{font-size:1.5rem;margin:0 0 .75rem}a{color:var(--accent)}.muted{color:var(--muted);font-size:.875rem}' +
  'code{font-size:.875rem;word-break:break-all}';

/**
 * The page as a complete HTML document. No value reaches the markup unless it matched a strict
 * pattern, so nothing in it needs escaping; the texts are this module's own. The policy's reason
 * is not shown (it describes the routes file, which is the operator's business, not the user's).
 */
export function renderForbiddenPage(view: ForbiddenPageView): string {
  const who =
    view.email !== undefined && PLAIN_EMAIL.test(view.email)
      ? `You are signed in as <b>${view.email}</b>, and this account may not open this page.`
      : 'You are signed in, but this account may not open this page.';
  const link = SWITCH_URL.test(view.switchAccountUrl) ? view.switchAccountUrl : undefined;
  const reference = REQUEST_ID.test(view.requestId)
    ? ` · Reference <code>${view.requestId}</code>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>No access · AuthFlow</title>
<style>${STYLE}</style>
</head>
<body>
<header>AuthFlow</header>
<main>
<h1>No access</h1>
<p>${who}</p>
<p>If another account of yours has access, sign out and sign in with it.</p>
${link === undefined ? '' : `<p><a href="${link}">Sign in as someone else</a></p>\n`}<p class="muted">Error 403 <code>forbidden</code>${reference}. Quote it if you ask for access.</p>
</main>
</body>
</html>
`;
}
