// The generic error page: a failed CSRF check, too many attempts, anything without its own page.
import { html } from '@authflow/html';
import { AUTH_PATHS } from './auth-paths.js';
import { renderLayout } from './layout.js';
import type { PageContext } from './page-context.js';

export interface ErrorView {
  /** The HTTP status; shown for support requests, the route sets it on the response. */
  readonly status: number;
  readonly title: string;
  readonly message: string;
}

export function renderErrorPage(context: PageContext, view: ErrorView): string {
  return renderLayout(context.branding, {
    title: view.title,
    content: html` <p>${view.message}</p>
      <p class="muted">Error code: ${view.status}</p>
      <p><a href="${AUTH_PATHS.login}">Go to the sign-in page</a></p>`,
  });
}
