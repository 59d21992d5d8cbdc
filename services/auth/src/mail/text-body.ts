// Draws a mail's plain-text body: short paragraphs, each link alone on its line so it copies whole.
import type { Branding } from '../branding.js';
import type { MailContent } from './compose-mail.js';

export function renderTextBody(branding: Branding, content: MailContent): string {
  const blocks: string[] = [content.heading, ...content.intro];
  for (const action of content.actions) blocks.push(`${action.label}:\n${action.link}`);
  if (content.details.length > 0) {
    blocks.push(content.details.map(([label, value]) => `${label}: ${value}`).join('\n'));
  }
  blocks.push(...content.outro);
  // "-- " (with the space) is the signature separator mail clients recognise.
  const signature = ['-- ', branding.appName];
  if (branding.supportEmail !== undefined) {
    signature.push(`Need help? Write to ${branding.supportEmail}`);
  }
  blocks.push(signature.join('\n'));
  return `${blocks.join('\n\n')}\n`;
}
