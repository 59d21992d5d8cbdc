// The auth service's mail, one function per MailKind: plain parameters in, a MailMessage out.
import type { Branding } from '../branding.js';
import { composeMail } from './compose-mail.js';
import { formatUtc, singleLine } from './display-values.js';
import type { MailMessage } from './mailer.js';

const plural = (count: number, unit: string): string => `${count} ${unit}${count === 1 ? '' : 's'}`;

export function verificationMail(
  branding: Branding,
  params: { readonly to: string; readonly link: string; readonly expiresInHours: number },
): MailMessage {
  const { appName } = branding;
  return composeMail(
    branding,
    { kind: 'verify_email', to: params.to },
    {
      subject: `Confirm your email for ${appName}`,
      heading: 'Confirm your email address',
      intro: [
        `Confirm that ${singleLine(params.to)} is your address to finish setting up your ${appName} account.`,
      ],
      actions: [{ label: 'Confirm email address', link: params.link }],
      details: [],
      outro: [
        `The link works once and expires in ${plural(params.expiresInHours, 'hour')}.`,
        'If you did not create an account, ignore this message: nothing happens without a click.',
      ],
    },
  );
}

export function passwordResetMail(
  branding: Branding,
  params: { readonly to: string; readonly link: string; readonly expiresInMinutes: number },
): MailMessage {
  const { appName } = branding;
  return composeMail(
    branding,
    { kind: 'reset_password', to: params.to },
    {
      subject: `Reset your ${appName} password`,
      heading: 'Reset your password',
      intro: [
        `Someone asked to reset the password of the ${appName} account for ${singleLine(params.to)}.`,
      ],
      actions: [{ label: 'Choose a new password', link: params.link }],
      details: [],
      outro: [
        `The link works once and expires in ${plural(params.expiresInMinutes, 'minute')}.`,
        'If you did not ask for this, ignore this message: your password stays as it is.',
      ],
    },
  );
}

export function passwordChangedMail(
  branding: Branding,
  params: {
    readonly to: string;
    readonly when: Date;
    readonly ip: string;
    /** Where to start a reset; shown as a button when given. */
    readonly resetLink?: string;
  },
): MailMessage {
  const { appName } = branding;
  return composeMail(
    branding,
    { kind: 'password_changed', to: params.to },
    {
      subject: `Your ${appName} password was changed`,
      heading: 'Your password was changed',
      intro: [
        `The password of the ${appName} account for ${singleLine(params.to)} was just changed.`,
        'Every session was signed out: each device has to sign in again with the new password.',
      ],
      actions:
        params.resetLink === undefined
          ? []
          : [{ label: 'Reset your password', link: params.resetLink }],
      details: [
        ['When', formatUtc(params.when)],
        ['IP address', singleLine(params.ip)],
      ],
      outro: [`If this wasn't you, reset your password now${contactSupport(branding)}.`],
    },
  );
}

export function newDeviceMail(
  branding: Branding,
  params: {
    readonly to: string;
    readonly deviceLabel: string;
    readonly ip: string;
    readonly when: Date;
  },
): MailMessage {
  const { appName } = branding;
  return composeMail(
    branding,
    { kind: 'new_device', to: params.to },
    {
      subject: `New sign-in to your ${appName} account`,
      heading: 'New sign-in from a device',
      intro: [
        `Your ${appName} account (${singleLine(params.to)}) was used to sign in from a device it had not seen before.`,
      ],
      actions: [],
      details: [
        ['Device', singleLine(params.deviceLabel)],
        ['IP address', singleLine(params.ip)],
        ['When', formatUtc(params.when)],
      ],
      outro: [
        'If this was you, there is nothing to do.',
        `If it wasn't, change your password now (that signs out every session)${contactSupport(branding)}.`,
      ],
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

function contactSupport(branding: Branding): string {
  return branding.supportEmail === undefined ? '' : ` and write to ${branding.supportEmail}`;
}
