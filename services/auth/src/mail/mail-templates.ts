// The auth service's mail, one function per MailKind: plain parameters in, a MailMessage out.
// Two shapes cover every kind: a one-time link to follow (linkMail), or a notice of what was done
// to the account, with when and where from, and what to do if it was not the owner (noticeMail).
import type { Branding } from '../branding.js';
import { composeMail, type MailAction, type MailContent } from './compose-mail.js';
import { formatUtc, singleLine } from './display-values.js';
import type { MailKind, MailMessage } from './mailer.js';

const plural = (count: number, unit: string): string => `${count} ${unit}${count === 1 ? '' : 's'}`;

interface Envelope {
  readonly kind: MailKind;
  readonly to: string;
}

export function verificationMail(
  branding: Branding,
  params: { readonly to: string; readonly link: string; readonly expiresInHours: number },
): MailMessage {
  const { appName } = branding;
  return linkMail(
    branding,
    { kind: 'verify_email', to: params.to },
    {
      subject: `Confirm your email for ${appName}`,
      heading: 'Confirm your email address',
      intro: `Confirm that ${singleLine(params.to)} is your address to finish setting up your ${appName} account.`,
      action: { label: 'Confirm email address', link: params.link },
      expiresIn: plural(params.expiresInHours, 'hour'),
      ifIgnored:
        'If you did not create an account, ignore this message: nothing happens without a click.',
    },
  );
}

export function passwordResetMail(
  branding: Branding,
  params: { readonly to: string; readonly link: string; readonly expiresInMinutes: number },
): MailMessage {
  const { appName } = branding;
  return linkMail(
    branding,
    { kind: 'reset_password', to: params.to },
    {
      subject: `Reset your ${appName} password`,
      heading: 'Reset your password',
      intro: `Someone asked to reset the password of the ${appName} account for ${singleLine(params.to)}.`,
      action: { label: 'Choose a new password', link: params.link },
      expiresIn: plural(params.expiresInMinutes, 'minute'),
      ifIgnored: 'If you did not ask for this, ignore this message: your password stays as it is.',
    },
  );
}

/** Sent to the new address: the account moves there only when this link is followed. */
export function emailChangeMail(
  branding: Branding,
  params: { readonly to: string; readonly link: string; readonly expiresInHours: number },
): MailMessage {
  const { appName } = branding;
  return linkMail(
    branding,
    { kind: 'email_change', to: params.to },
    {
      subject: `Confirm your new email for ${appName}`,
      heading: 'Confirm your new email address',
      intro: `Someone signed in to a ${appName} account asked to use ${singleLine(params.to)} as its address from now on.`,
      action: { label: 'Confirm new address', link: params.link },
      expiresIn: plural(params.expiresInHours, 'hour'),
      ifIgnored:
        'If you did not ask for this, ignore this message: nothing changes without a click.',
    },
  );
}

/**
 * Sent instead of a second account when someone signs up with an address that has one: the
 * signup answer stays the same for everyone, and the owner still learns about the attempt.
 */
export function accountExistsMail(
  branding: Branding,
  params: { readonly to: string; readonly loginLink: string; readonly resetLink: string },
): MailMessage {
  const { appName } = branding;
  return composeMail(
    branding,
    { kind: 'account_exists', to: params.to },
    {
      subject: `You already have an account with ${appName}`,
      heading: 'You already have an account',
      intro: [
        `Someone tried to sign up for ${appName} with ${singleLine(params.to)}, which already has an account.`,
        'If that was you, sign in instead, or reset your password if you forgot it.',
      ],
      actions: [
        { label: 'Sign in', link: params.loginLink },
        { label: 'Reset your password', link: params.resetLink },
      ],
      details: [],
      outro: ['If it was not you, ignore this message: nothing changed on your account.'],
    },
  );
}

/** When and from where something was done to the account, as a notice shows it. */
interface Occurrence {
  readonly to: string;
  readonly when: Date;
  readonly ip: string;
}

export function passwordChangedMail(
  branding: Branding,
  params: Occurrence & {
    /** Where to start a reset; shown as a button when given. */
    readonly resetLink?: string;
    /** Which sessions ended with the change: every one (a reset, the default), all but the changer's, or none. */
    readonly signedOut?: 'all' | 'others' | 'none';
  },
): MailMessage {
  const { appName } = branding;
  return noticeMail(
    branding,
    { kind: 'password_changed', to: params.to },
    {
      subject: `Your ${appName} password was changed`,
      heading: 'Your password was changed',
      intro: [
        `The password of the ${appName} account for ${singleLine(params.to)} was just changed.`,
        SIGNED_OUT[params.signedOut ?? 'all'],
      ],
      actions:
        params.resetLink === undefined
          ? []
          : [{ label: 'Reset your password', link: params.resetLink }],
      details: whenAndWhere(params),
      ifNotYou: "If this wasn't you, reset your password now",
    },
  );
}

const SIGNED_OUT = {
  all: 'Every session was signed out: each device has to sign in again with the new password.',
  others:
    'Every other session was signed out: other devices have to sign in again with the new password.',
  none: 'Devices that were signed in stay signed in.',
} as const;

export function newDeviceMail(
  branding: Branding,
  params: Occurrence & { readonly deviceLabel: string },
): MailMessage {
  const { appName } = branding;
  return noticeMail(
    branding,
    { kind: 'new_device', to: params.to },
    {
      subject: `New sign-in to your ${appName} account`,
      heading: 'New sign-in from a device',
      intro: [
        `Your ${appName} account (${singleLine(params.to)}) was used to sign in from a device it had not seen before.`,
      ],
      details: [
        ['Device', singleLine(params.deviceLabel)],
        ['IP address', singleLine(params.ip)],
        ['When', formatUtc(params.when)],
      ],
      ifYou: 'If this was you, there is nothing to do.',
      ifNotYou: "If it wasn't, change your password now (that signs out every session)",
    },
  );
}

/** Sent to the current address when a change is asked for, so a hijacker cannot move it quietly. */
export function emailChangeRequestedMail(
  branding: Branding,
  params: Occurrence & { readonly newEmail: string; readonly resetLink: string },
): MailMessage {
  const { appName } = branding;
  return noticeMail(
    branding,
    { kind: 'email_change_requested', to: params.to },
    {
      subject: `Your ${appName} email is about to change`,
      heading: 'A new email address was requested',
      intro: [
        `Someone signed in to the ${appName} account for ${singleLine(params.to)} asked to move it to ${singleLine(params.newEmail)}.`,
        'The address changes only once the link sent to the new address is followed.',
      ],
      actions: [{ label: 'Reset your password', link: params.resetLink }],
      details: [['New address', singleLine(params.newEmail)], ...whenAndWhere(params)],
      ifYou: 'If this was you, there is nothing to do here.',
      ifNotYou:
        "If it wasn't, reset your password now: that signs out every session and cancels the change",
    },
  );
}

/** The goodbye: sent to the address of an account that was just deleted. */
export function accountDeletedMail(branding: Branding, params: Occurrence): MailMessage {
  const { appName } = branding;
  return noticeMail(
    branding,
    { kind: 'account_deleted', to: params.to },
    {
      subject: `Your ${appName} account was deleted`,
      heading: 'Your account was deleted',
      intro: [
        `The ${appName} account for ${singleLine(params.to)} was deleted, and every session signed out.`,
        'We keep no profile or password for it any more. Thank you for having used it.',
      ],
      details: whenAndWhere(params),
      ifNotYou: "If this wasn't you, write to us at once",
    },
  );
}

/** Where and on what a second-factor change was made; the device is a label from its user agent. */
type FactorOccurrence = Occurrence & { readonly deviceLabel: string };

/** What a notice about a second factor says about it: kind in words, and the name the user gave it. */
interface FactorFacts extends FactorOccurrence {
  /** The factor in words, as a sentence names it: `an authenticator app`, `codes by email`. */
  readonly factor: string;
  /** The name the user gave it (`Work phone`), when it has one. */
  readonly factorLabel?: string | undefined;
}

function factorDetails(params: FactorFacts): [label: string, value: string][] {
  return [
    ['Second factor', singleLine(params.factor)],
    ...(params.factorLabel === undefined
      ? []
      : [['Name', singleLine(params.factorLabel)] as [string, string]]),
    ['Device', singleLine(params.deviceLabel)],
    ...whenAndWhere(params),
  ];
}

/** Sent when a second factor is turned on: a takeover that adds its own factor is seen at once. */
export function factorAddedMail(branding: Branding, params: FactorFacts): MailMessage {
  const { appName } = branding;
  return noticeMail(
    branding,
    { kind: 'factor_added', to: params.to },
    {
      subject: `A second factor was added to your ${appName} account`,
      heading: 'A second factor was added',
      intro: [
        `A second factor (${singleLine(params.factor)}) was added to the ${appName} account for ${singleLine(params.to)}.`,
        'Signing in now asks for a code from it after the password.',
      ],
      details: factorDetails(params),
      ifYou: 'If this was you, there is nothing to do.',
      ifNotYou:
        "If it wasn't, someone has your password: reset it now (that signs out every session), then remove the factor in your security settings",
    },
  );
}

/** Sent when a second factor is turned off; every trusted device ended with it. */
export function factorRemovedMail(branding: Branding, params: FactorFacts): MailMessage {
  const { appName } = branding;
  return noticeMail(
    branding,
    { kind: 'factor_removed', to: params.to },
    {
      subject: `A second factor was removed from your ${appName} account`,
      heading: 'A second factor was removed',
      intro: [
        `A second factor (${singleLine(params.factor)}) was removed from the ${appName} account for ${singleLine(params.to)}.`,
        'Every device that was trusted to skip the second factor has to use one again.',
      ],
      details: factorDetails(params),
      ifYou: 'If this was you, there is nothing to do.',
      ifNotYou:
        "If it wasn't, reset your password now (that signs out every session) and set up your second factor again",
    },
  );
}

/** Sent when a recovery code stands in for a second factor: each is single-use, and there are few. */
export function recoveryCodeUsedMail(
  branding: Branding,
  params: FactorOccurrence & {
    /** Unused recovery codes left after this one. */
    readonly remaining: number;
  },
): MailMessage {
  const { appName } = branding;
  const left =
    params.remaining === 0
      ? 'No recovery codes are left: make a new set in your security settings.'
      : `${plural(params.remaining, 'recovery code')} ${params.remaining === 1 ? 'is' : 'are'} left.${params.remaining <= 2 ? ' Make a new set in your security settings before you run out.' : ''}`;
  return noticeMail(
    branding,
    { kind: 'recovery_code_used', to: params.to },
    {
      subject: `A recovery code was used on your ${appName} account`,
      heading: 'A recovery code was used',
      intro: [
        `A recovery code of the ${appName} account for ${singleLine(params.to)} was just used in place of a second factor. It no longer works.`,
        left,
      ],
      details: [['Device', singleLine(params.deviceLabel)], ...whenAndWhere(params)],
      ifYou: 'If this was you, there is nothing else to do.',
      ifNotYou:
        "If it wasn't, someone has your password and a recovery code: reset your password now and make new recovery codes",
    },
  );
}

/** Why trusted devices ended: a password reset, a removed factor, or the owner's own request. */
export type TrustedDevicesEndReason = 'password_reset' | 'factor_removed' | 'user';

const DEVICES_ENDED: Readonly<Record<TrustedDevicesEndReason, string>> = {
  password_reset: 'because the password was reset',
  factor_removed: 'because a second factor was removed',
  user: 'at your request',
};

/** Optional notice: devices that skipped the second factor will ask for it again. */
export function trustedDevicesEndedMail(
  branding: Branding,
  params: Occurrence & { readonly count: number; readonly reason: TrustedDevicesEndReason },
): MailMessage {
  const { appName } = branding;
  return noticeMail(
    branding,
    { kind: 'trusted_devices_ended', to: params.to },
    {
      subject: `Trusted devices ended on your ${appName} account`,
      heading: 'Your trusted devices ended',
      intro: [
        `${plural(params.count, 'device')} trusted to skip the second factor on the ${appName} account for ${singleLine(params.to)} ${params.count === 1 ? 'was' : 'were'} forgotten ${DEVICES_ENDED[params.reason]}.`,
        'Signing in on them asks for a second factor again.',
      ],
      details: whenAndWhere(params),
      ifYou: 'If this was you, there is nothing to do.',
      ifNotYou: "If it wasn't, reset your password now (that signs out every session)",
    },
  );
}

/**
 * The code itself, for a sign-in or step-up by email. Never a link (a link would let a mail
 * scanner or a phisher's page use it) and never in the subject (previews, logs): only in the
 * body, with a warning that no one from the product will ever ask for it.
 */
export function emailCodeMail(
  branding: Branding,
  params: { readonly to: string; readonly code: string; readonly validMinutes: number },
): MailMessage {
  const { appName } = branding;
  if (!/^[0-9]{6}$/u.test(params.code)) throw new Error('mail: an email code is 6 digits');
  const contact =
    branding.supportEmail === undefined ? '' : ` and write to ${branding.supportEmail}`;
  return composeMail(
    branding,
    { kind: 'email_code', to: params.to },
    {
      subject: `Your ${appName} sign-in code`,
      heading: 'Your sign-in code',
      intro: [`Enter this code on the ${appName} page that asked for it:`, params.code],
      actions: [],
      details: [],
      outro: [
        `The code works once and expires in ${plural(params.validMinutes, 'minute')}.`,
        `${appName} will never ask you for this code, not by phone, chat or email. Do not give it to anyone.`,
        `If you did not just ask for a code, someone may have your password: reset it now${contact}.`,
      ],
    },
  );
}

/** What a one-time-link mail says; the lines about the link's life are the same for every one. */
interface LinkMailWords {
  readonly subject: string;
  readonly heading: string;
  readonly intro: string;
  readonly action: MailAction;
  /** How long the link lives, in words (`24 hours`). */
  readonly expiresIn: string;
  /** That ignoring the mail is safe, and why. */
  readonly ifIgnored: string;
}

/** A mail whose point is one link: it works once, it expires, and nothing happens without it. */
function linkMail(branding: Branding, envelope: Envelope, words: LinkMailWords): MailMessage {
  return composeMail(branding, envelope, {
    subject: words.subject,
    heading: words.heading,
    intro: [words.intro],
    actions: [words.action],
    details: [],
    outro: [`The link works once and expires in ${words.expiresIn}.`, words.ifIgnored],
  });
}

/** What a notice says: the change, its facts, and what the owner does if it was not them. */
interface NoticeWords extends Pick<MailContent, 'subject' | 'heading' | 'intro' | 'details'> {
  readonly actions?: readonly MailAction[];
  /** Said first to the owner who made the change themselves. */
  readonly ifYou?: string;
  /** What to do if the owner did not make the change; the support address follows. */
  readonly ifNotYou: string;
}

/** A notice of something done to the account, ending with what to do if it was not the owner. */
function noticeMail(branding: Branding, envelope: Envelope, words: NoticeWords): MailMessage {
  const { ifYou, ifNotYou, actions = [], ...content } = words;
  const contact =
    branding.supportEmail === undefined ? '' : ` and write to ${branding.supportEmail}`;
  return composeMail(branding, envelope, {
    ...content,
    actions,
    outro: [...(ifYou === undefined ? [] : [ifYou]), `${ifNotYou}${contact}.`],
  });
}

function whenAndWhere(params: Occurrence): [label: string, value: string][] {
  return [
    ['When', formatUtc(params.when)],
    ['IP address', singleLine(params.ip)],
  ];
}

/**
 * Sent to an account's address when someone signed in with an outside provider that verified the
 * same address: the identity is linked only if the owner follows this link (never on the address
 * alone, the classic takeover).
 */
export function identityLinkMail(
  branding: Branding,
  params: {
    readonly to: string;
    readonly providerName: string;
    readonly link: string;
    readonly expiresInMinutes: number;
  },
): MailMessage {
  const { appName } = branding;
  const provider = singleLine(params.providerName);
  return linkMail(
    branding,
    { kind: 'link_identity', to: params.to },
    {
      subject: `Sign in to ${appName} with ${provider}?`,
      heading: `Link ${provider} to your account`,
      intro: `Someone signed in with ${provider} as ${singleLine(params.to)}, the address of your ${appName} account. Follow this link to let ${provider} open your account from now on.`,
      action: { label: `Link ${provider}`, link: params.link },
      expiresIn: plural(params.expiresInMinutes, 'minute'),
      ifIgnored: `If this was not you, ignore this message: ${provider} gets no access to your account without a click.`,
    },
  );
}

/** Sent when an outside identity was linked: a takeover through a provider is seen at once. */
export function identityLinkedMail(
  branding: Branding,
  params: Occurrence & { readonly providerName: string },
): MailMessage {
  const { appName } = branding;
  const provider = singleLine(params.providerName);
  return noticeMail(
    branding,
    { kind: 'identity_linked', to: params.to },
    {
      subject: `${provider} can now open your ${appName} account`,
      heading: `${provider} was linked to your account`,
      intro: [
        `Signing in with ${provider} now opens the ${appName} account for ${singleLine(params.to)}.`,
      ],
      details: whenAndWhere(params),
      ifYou: 'If this was you, there is nothing to do.',
      ifNotYou: `If it wasn't, remove ${provider} in your security settings and reset your password`,
    },
  );
}
