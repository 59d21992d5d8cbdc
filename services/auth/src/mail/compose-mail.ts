// What a mail says, apart from its format: templates describe it, composeMail draws text and HTML.
import type { Branding } from '../branding.js';
import { renderHtmlBody } from './html-body.js';
import type { MailKind, MailMessage } from './mailer.js';
import { renderTextBody } from './text-body.js';

/** A link the reader can follow: the first of a mail is drawn as a button. */
export interface MailAction {
  readonly label: string;
  /** An absolute http(s) URL; anything else is refused (it would reach an `href`). */
  readonly link: string;
}

/** Plain strings throughout: the HTML renderer escapes every one of them. */
export interface MailContent {
  readonly subject: string;
  readonly heading: string;
  readonly intro: readonly string[];
  readonly actions: readonly MailAction[];
  /** Label and value pairs (when, IP address, device), shown as a small table. */
  readonly details: readonly (readonly [label: string, value: string])[];
  readonly outro: readonly string[];
}

export function composeMail(
  branding: Branding,
  envelope: { readonly kind: MailKind; readonly to: string },
  content: MailContent,
): MailMessage {
  for (const action of content.actions) requireWebLink(action.link);
  return {
    kind: envelope.kind,
    to: envelope.to,
    subject: content.subject,
    text: renderTextBody(branding, content),
    html: renderHtmlBody(branding, content),
  };
}

function requireWebLink(link: string): void {
  const protocol = URL.parse(link)?.protocol;
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new Error('mail: links in mail must be absolute http(s) URLs');
  }
}
