// The one stylesheet for every auth page (served at /auth/static/style.css), tinted with the brand colour.
import type { Branding } from '../branding.js';
import { isHexColor, mixColors, readableTextOn } from './color-contrast.js';
import { DARK_SCHEME, LIGHT_SCHEME, renderSchemeProperties } from './color-schemes.js';

export const DEFAULT_PRIMARY_COLOR = '#2563eb';

/**
 * Only a `#rrggbb` value reaches the CSS: the colour is configuration, and anything else
 * (`red;} body{display:none}`) could rewrite the stylesheet.
 */
export function choosePrimaryColor(configured: string): string {
  return isHexColor(configured) ? configured.toLowerCase() : DEFAULT_PRIMARY_COLOR;
}

export function renderStylesheet(branding: Branding): string {
  const primary = choosePrimaryColor(branding.primaryColor);
  const primaryText = readableTextOn(primary);
  // Hovering moves the button away from its text colour, so contrast only grows.
  const primaryHover = mixColors(primary, primaryText === '#ffffff' ? '#000000' : '#ffffff', 0.15);
  return `/* AuthFlow auth pages: generated from the branding configuration. */
:root {
  color-scheme: light dark;
  --primary: ${primary};
  --primary-text: ${primaryText};
  --primary-hover: ${primaryHover};
  ${renderSchemeProperties(primary, LIGHT_SCHEME, '  ')}
}

@media (prefers-color-scheme: dark) {
  :root {
    ${renderSchemeProperties(primary, DARK_SCHEME, '    ')}
  }
}

*, *::before, *::after { box-sizing: border-box; }
html {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.5;
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}
body {
  margin: 0;
  min-height: 100vh;
  padding: 2rem 1rem;
  display: flex;
  flex-direction: column;
  align-items: center;
  gap: 1.5rem;
  background: var(--bg);
  color: var(--text);
}
.site-header, .card, .site-footer { width: 100%; max-width: 28rem; }
.page-wide .site-header, .page-wide .card, .page-wide .site-footer { max-width: 52rem; }
.site-header { text-align: center; }
.brand-logo { max-height: 3rem; max-width: 100%; height: auto; }
.brand-name { font-size: 1.25rem; font-weight: 700; }
.card {
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 0.75rem;
  padding: 2rem 1.5rem;
}
h1 { margin: 0 0 1.25rem; font-size: 1.5rem; line-height: 1.25; }
p { margin: 0 0 1rem; }
.card > :last-child { margin-bottom: 0; }
a { color: var(--link); text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
.skip-link { position: absolute; left: 1rem; top: -10rem; padding: 0.5rem 1rem; background: var(--surface); }
.skip-link:focus { top: 1rem; }
.visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  margin: -1px;
  padding: 0;
  overflow: hidden;
  clip-path: inset(50%);
  white-space: nowrap;
  border: 0;
}
.muted { color: var(--muted); }

.form { display: flex; flex-direction: column; gap: 1rem; margin-bottom: 1.25rem; }
.form-inline { display: inline; margin: 0; }
.field { display: flex; flex-direction: column; gap: 0.25rem; }
label { font-weight: 600; }
.hint { margin: 0; color: var(--muted); font-size: 0.875rem; }
.field input {
  font: inherit;
  width: 100%;
  padding: 0.625rem 0.75rem;
  border: 1px solid var(--input-border);
  border-radius: 0.375rem;
  background: var(--input-bg);
  color: var(--text);
}
.field-invalid input { border: 2px solid var(--error); }
.field-error { margin: 0; color: var(--error); font-size: 0.875rem; font-weight: 600; }
.alert { margin-bottom: 1.25rem; padding: 0.75rem 1rem; border-left: 4px solid; border-radius: 0.5rem; }
.alert p { margin: 0; }
.alert-error { background: var(--error-bg); color: var(--error); border-color: var(--error); }
.alert-notice { background: var(--tint); border-color: var(--link); }

.button {
  display: inline-block;
  padding: 0.625rem 1.25rem;
  border: 2px solid var(--primary);
  border-radius: 0.375rem;
  font: inherit;
  font-weight: 600;
  text-align: center;
  text-decoration: none;
  cursor: pointer;
}
.button-primary { background: var(--primary); color: var(--primary-text); }
.button-primary:hover { background: var(--primary-hover); border-color: var(--primary-hover); }
.button-secondary { background: transparent; color: var(--link); border-color: var(--link); }
.button-secondary:hover { background: var(--tint); }
.button-small { padding: 0.25rem 0.75rem; font-size: 0.875rem; }
.form > .button { width: 100%; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; margin-top: 1.5rem; }
.providers { list-style: none; margin: 0 0 1rem; padding: 0; display: grid; gap: 0.5rem; }
.provider { display: flex; align-items: center; justify-content: center; gap: 0.5rem; width: 100%; box-sizing: border-box; }
.provider-unavailable { cursor: not-allowed; opacity: 0.7; }
.divider { display: flex; align-items: center; gap: 0.75rem; margin: 1.25rem 0; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid currentColor; opacity: 0.3; }

.table-scroll { overflow-x: auto; margin-bottom: 1rem; }
table { width: 100%; border-collapse: collapse; font-size: 0.9375rem; }
caption { padding-bottom: 0.5rem; text-align: left; font-weight: 600; }
th, td { padding: 0.625rem 0.5rem; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
thead th { color: var(--muted); font-size: 0.8125rem; white-space: nowrap; }
time { white-space: nowrap; }
.badge {
  display: inline-block;
  margin-left: 0.25rem;
  padding: 0 0.5rem;
  border: 1px solid var(--border);
  border-radius: 999px;
  background: var(--tint);
  font-size: 0.75rem;
}
.site-footer { color: var(--muted); font-size: 0.875rem; text-align: center; }

/* Second factors: settings sections, one-time codes, the QR code and the recovery codes. */
.settings-section { margin-top: 2rem; padding-top: 1.25rem; border-top: 1px solid var(--border); }
h2 { margin: 0 0 0.75rem; font-size: 1.125rem; line-height: 1.3; }
.section-heading { margin-top: 1.5rem; font-size: 1rem; }
.alert-warning { background: var(--tint); border-color: var(--error); }
.plain-list { margin: 0 0 1rem; padding: 0; list-style: none; }
.plain-list > li { margin-bottom: 0.5rem; }
.factor { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: flex-start; gap: 0.5rem 1rem; padding: 0.75rem 0; border-bottom: 1px solid var(--border); }
.factor p { margin: 0; font-size: 0.875rem; }
.inline-action { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; margin-bottom: 1rem; }
.check { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 0.5rem; align-items: start; }
.check input { width: 1.125rem; height: 1.125rem; margin: 0.2rem 0 0; accent-color: var(--primary); }
.check .hint { grid-column: 2; }
code, .code-input { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.field input.code-input { font-size: 1.25rem; letter-spacing: 0.15em; }
.secret { font-size: 1.0625rem; word-spacing: 0.25em; overflow-wrap: anywhere; }
.steps { padding-left: 1.25rem; }
.steps > li { margin-bottom: 1.5rem; }
.qr-code { display: flex; justify-content: center; margin: 0 0 1rem; }
/* The QR code keeps its own white background and dark modules in both colour schemes. */
.qr-code svg { display: block; width: 13rem; max-width: 100%; height: auto; background: #ffffff; }
.recovery-codes { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.5rem 1.5rem; margin: 0 0 1.25rem; padding-left: 1.75rem; font-size: 1.0625rem; }

@media (max-width: 30rem) {
  body { padding: 1rem 0.75rem; }
  .recovery-codes { grid-template-columns: 1fr; }
  .card { padding: 1.5rem 1rem; }
}

/* Narrow screens: each session is a card, its labels beside the values; nothing scrolls sideways. */
@media (max-width: 40rem) {
  table.sessions, .sessions caption, .sessions tbody, .sessions tr, .sessions th, .sessions td { display: block; }
  .sessions thead tr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  .sessions tr { margin-bottom: 0.75rem; padding: 0.75rem; border: 1px solid var(--border); border-radius: 0.5rem; }
  .sessions th, .sessions td { padding: 0.25rem 0; border-bottom: 0; overflow-wrap: anywhere; }
  .sessions td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: 0.8125rem; }
  .sessions .session-action:empty { display: none; }
  .sessions .session-action { padding-top: 0.5rem; }
}

@media (forced-colors: active) {
  .button { border-color: ButtonText; }
}
`;
}
