// The Message-ID of a queued message: the same on every attempt, so a resend is the same mail.
import type { MailMessage } from './mailer.js';

/** `{ messageId: '<delivery-id@domain of From>' }`, or nothing for a message sent directly. */
export function messageIdHeader(
  message: Pick<MailMessage, 'deliveryId'>,
  from: string,
): { messageId?: string } {
  if (message.deliveryId === undefined) return {};
  const domain = /@([^\s>]+)>?\s*$/u.exec(from)?.[1] ?? 'authflow.invalid';
  return { messageId: `<${message.deliveryId}@${domain}>` };
}
