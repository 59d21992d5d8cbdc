// Public surface of @authflow/html.
export { escapeHtml, html, type HtmlValue, type SafeHtml, trustedHtml } from './html.js';
