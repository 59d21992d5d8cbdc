// The document every page shares: head, branded header, main card with its heading, footer.
import { html, type SafeHtml } from '@authflow/html';
import type { Branding } from '../branding.js';

export const STYLESHEET_PATH = '/auth/static/style.css';

export interface LayoutOptions {
  /** The page's name: the `<h1>` and the first part of the `<title>`. */
  readonly title: string;
  readonly content: SafeHtml;
  /** `wide` gives tables room; forms and messages use the narrow card. */
  readonly width?: 'narrow' | 'wide';
}

/**
 * Only https and root-relative logo URLs are used (as documented on `Branding`); anything
 * else (`javascript:`, `//host`, plain http) falls back to the name as text.
 */
export function isUsableLogoUrl(url: string): boolean {
  if (url.startsWith('/')) return !url.startsWith('//') && !url.startsWith('/\\');
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

function renderBrand(branding: Branding): SafeHtml {
  const { appName, logoUrl } = branding;
  if (logoUrl !== undefined && isUsableLogoUrl(logoUrl)) {
    return html`<img class="brand-logo" src="${logoUrl}" alt="${appName}" />`;
  }
  return html`<span class="brand-name">${appName}</span>`;
}

function renderFooter(branding: Branding): SafeHtml | false {
  const { supportEmail } = branding;
  if (supportEmail === undefined || supportEmail === '') return false;
  return html` <footer class="site-footer">
    <p>Need help? Contact <a href="mailto:${supportEmail}">${supportEmail}</a></p>
  </footer>`;
}

/**
 * Renders a full page. No script, no inline style, nothing from another origin but the logo:
 * the pages are served under a strict Content-Security-Policy. The referrer policy keeps
 * tokens in the URL (reset links) from reaching the host of a remote logo.
 */
export function renderLayout(branding: Branding, options: LayoutOptions): string {
  const { title, content, width = 'narrow' } = options;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="referrer" content="same-origin" />
        <meta name="robots" content="noindex" />
        <!-- No favicon request: it would 404 (and log a console error) on every page. -->
        <link rel="icon" href="data:," />
        <title>${title} · ${branding.appName}</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
      </head>
      <body class="page-${width}">
        <a class="skip-link" href="#main">Skip to main content</a>
        <header class="site-header">${renderBrand(branding)}</header>
        <main id="main" class="card">
          <h1>${title}</h1>
          ${content}
        </main>
        ${renderFooter(branding)}
      </body>
    </html> `.toString();
}
