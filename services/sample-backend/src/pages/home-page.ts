// The page at /app/: who the gateway says you are, where to go next, and a WebSocket echo demo.
import type { AssertionIdentity } from '@authflow/gateway-assertion';
import { APP_PATHS, AUTH_PATHS } from '../app-paths.js';
import { html, type SafeHtml } from '@authflow/html';
import { describeSignInMethods } from './sign-in-methods.js';

/**
 * No inline script or style, nothing from another origin; `connect-src 'self'` admits the
 * page's own WebSocket. The favicon is an empty data: URL so the browser requests nothing
 * that is not there.
 */
export const HOME_PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
    "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  // The page shows personal data: no shared or browser cache may keep it.
  'cache-control': 'no-store',
} as const;

function listOrNone(values: readonly string[]): SafeHtml {
  return values.length === 0
    ? html`<em>none</em>`
    : html`${values.map((value, index) => html`${index > 0 ? ', ' : ''}<code>${value}</code>`)}`;
}

/** Renders the whole document; every value from the assertion is escaped. */
export function renderHomePage(identity: AssertionIdentity): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>Sample backend · AuthFlow</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="${APP_PATHS.stylesheet}" />
        <script type="module" src="${APP_PATHS.script}"></script>
      </head>
      <body>
        <main>
          <h1>Hello, ${identity.email}</h1>
          <p>
            You reached the sample backend through the AuthFlow gateway. It knows who you are from
            the gateway's signed assertion, and from nothing else.
          </p>
          <dl>
            <dt>Your user id</dt>
            <dd><code>${identity.userId}</code></dd>
            <dt>Your roles</dt>
            <dd>${listOrNone(identity.roles)}</dd>
            <dt>Signed in with</dt>
            <dd>${describeSignInMethods(identity.amr)}</dd>
            <dt>Assurance level</dt>
            <dd>
              ${
                identity.aal === 'aal2'
                  ? 'aal2: a second factor was presented'
                  : 'aal1: a password only'
              }
            </dd>
          </dl>
          <nav aria-label="Account and API">
            <ul>
              <li><a href="${AUTH_PATHS.sessions}">Your sessions</a></li>
              <li><a href="${AUTH_PATHS.security}">Security: second factors</a></li>
              <li>
                <a href="${APP_PATHS.profile}">Your profile as JSON</a>
                (<code>${APP_PATHS.profile}</code>)
              </li>
              <li>
                <a href="${APP_PATHS.headers}">The headers this backend received</a>
                (<code>${APP_PATHS.headers}</code>)
              </li>
              <li><a href="${AUTH_PATHS.logout}">Sign out</a></li>
            </ul>
          </nav>
          <section aria-labelledby="echo-heading">
            <h2 id="echo-heading">WebSocket echo</h2>
            <p>
              A socket to <code>${APP_PATHS.socket}</code>, verified by the gateway when it opens
              and closed by the gateway when your session ends.
            </p>
            <p id="echo-status" role="status">Connecting…</p>
            <form id="echo-form">
              <label for="echo-message">Message</label>
              <input
                id="echo-message"
                name="message"
                autocomplete="off"
                maxlength="1000"
                required
                disabled
              />
              <button type="submit" disabled>Send</button>
            </form>
            <ol id="echo-log" aria-live="polite"></ol>
          </section>
        </main>
      </body>
    </html> `.toString();
}
