// Draws a mail's HTML body: nested tables with inline styles (what mail clients render reliably),
// and every value that reaches the markup goes through escapeHtml, constants excepted.
import { escapeHtml as e } from '@authflow/html';
import type { Branding } from '../branding.js';
import type { MailAction, MailContent } from './compose-mail.js';

const FALLBACK_COLOR = '#2563eb';
const FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const MUTED = '#52525b';
const TABLE = 'role="presentation" cellpadding="0" cellspacing="0" border="0"';

export function renderHtmlBody(branding: Branding, content: MailContent): string {
  const color = brandColor(branding.primaryColor);
  const [primary, ...others] = content.actions;
  const lines = [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(content.subject)}</title></head>`,
    '<body style="margin:0;padding:0;background-color:#f4f4f5;">',
    `<table ${TABLE} width="100%" style="background-color:#f4f4f5;">`,
    '<tr><td align="center" style="padding:24px 12px;">',
    `<table ${TABLE} width="100%" style="max-width:560px;background-color:#ffffff;border-radius:8px;font-family:${FONT};font-size:16px;line-height:1.5;color:#18181b;">`,
    `<tr><td style="padding:24px 32px 0;">${header(branding, color)}</td></tr>`,
    '<tr><td style="padding:8px 32px 32px;">',
    `<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;">${e(content.heading)}</h1>`,
    ...content.intro.map(paragraph),
    ...(primary === undefined ? [] : [button(primary, color), copyableLink(primary, color)]),
    ...others.map((action) => secondaryLink(action, color)),
    ...details(content.details),
    ...content.outro.map(paragraph),
    '</td></tr>',
    '</table>',
    footer(branding),
    '</td></tr>',
    '</table>',
    '</body>',
    '</html>',
  ];
  return `${lines.join('\n')}\n`;
}

/** The configured `#rrggbb`; anything else would be CSS injected into a style attribute. */
function brandColor(configured: string): string {
  return /^#[0-9a-f]{6}$/iu.test(configured) ? configured : FALLBACK_COLOR;
}

/** Black or white, whichever reads better on the button (WCAG relative luminance). */
function textColorOn(background: string): string {
  const channels = [1, 3, 5].map((start) => {
    const value = Number.parseInt(background.slice(start, start + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  });
  const [red = 0, green = 0, blue = 0] = channels;
  const luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue;
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff';
}

/** Mail is read away from the site: a root-relative logo is resolved against the public URL. */
function logoSource(branding: Branding): string | undefined {
  if (branding.logoUrl === undefined) return undefined;
  const url = URL.parse(branding.logoUrl, branding.publicUrl);
  return url?.protocol === 'https:' || url?.protocol === 'http:' ? url.href : undefined;
}

function header(branding: Branding, color: string): string {
  const logo = logoSource(branding);
  if (logo !== undefined) {
    return `<img src="${e(logo)}" alt="${e(branding.appName)}" height="32" style="display:block;height:32px;width:auto;border:0;">`;
  }
  return `<span style="font-size:18px;font-weight:700;color:${color};">${e(branding.appName)}</span>`;
}

function paragraph(text: string): string {
  return `<p style="margin:0 0 16px;">${e(text)}</p>`;
}

function button(action: MailAction, color: string): string {
  return [
    `<table ${TABLE} style="margin:8px 0 16px;"><tr>`,
    `<td style="border-radius:6px;background-color:${color};">`,
    `<a href="${e(action.link)}" style="display:inline-block;padding:12px 24px;font-weight:600;color:${textColorOn(color)};text-decoration:none;">${e(action.label)}</a>`,
    '</td></tr></table>',
  ].join('');
}

function copyableLink(action: MailAction, color: string): string {
  return `<p style="margin:0 0 16px;font-size:13px;color:${MUTED};">If the button does not work, copy this link into your browser:<br><a href="${e(action.link)}" style="color:${color};word-break:break-all;">${e(action.link)}</a></p>`;
}

function secondaryLink(action: MailAction, color: string): string {
  return `<p style="margin:0 0 16px;"><a href="${e(action.link)}" style="color:${color};">${e(action.label)}</a></p>`;
}

function details(rows: MailContent['details']): string[] {
  if (rows.length === 0) return [];
  const cells = rows.map(
    ([label, value]) =>
      `<tr><td style="padding:4px 16px 4px 0;color:${MUTED};white-space:nowrap;vertical-align:top;">${e(label)}</td><td style="padding:4px 0;">${e(value)}</td></tr>`,
  );
  return [`<table ${TABLE} style="margin:0 0 16px;font-size:14px;">${cells.join('')}</table>`];
}

function footer(branding: Branding): string {
  const help =
    branding.supportEmail === undefined
      ? ''
      : ` Need help? Write to <a href="mailto:${e(branding.supportEmail)}" style="color:${MUTED};">${e(branding.supportEmail)}</a>.`;
  return `<p style="margin:16px 0 0;font-family:${FONT};font-size:12px;color:#71717a;">Sent by ${e(branding.appName)}.${help}</p>`;
}
