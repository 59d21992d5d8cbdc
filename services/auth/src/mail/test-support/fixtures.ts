// Branding, a long one-time link and one message of every kind, shared by the mail tests.
import type { Branding } from '../../branding.js';
import type { MailLogger } from '../mail-logger.js';
import {
  accountExistsMail,
  newDeviceMail,
  passwordChangedMail,
  passwordResetMail,
  verificationMail,
} from '../mail-templates.js';
import type { MailMessage } from '../mailer.js';

export const BRANDING: Branding = {
  appName: 'Acme',
  logoUrl: undefined,
  primaryColor: '#0f766e',
  supportEmail: 'help@acme.test',
  publicUrl: 'https://acme.test',
};

/** 43 base64url characters: what 32 random bytes encode to, like the real tokens. */
export const TOKEN = 'q7Zr-0xY_3kP9sLmN2vB8cD4fG6hJ1aQeRtUwIoPzXc';

/** Longer than a 76-character mail line, with a query string: transfer encoding must not bend it. */
export const LONG_LINK = `https://acme.test/auth/verify-email?token=${TOKEN}&next=%2Fapp%2Fsettings%3Ftab%3Dsecurity%26view%3Dfull`;

export const WHEN = new Date('2025-01-14T15:09:26.000Z');

/** One message of each kind, each with its own link. */
export function everyMail(to: string, branding: Branding = BRANDING): MailMessage[] {
  return [
    verificationMail(branding, { to, link: LONG_LINK, expiresInHours: 24 }),
    passwordResetMail(branding, {
      to,
      link: `https://acme.test/auth/reset-password?token=${TOKEN}`,
      expiresInMinutes: 30,
    }),
    passwordChangedMail(branding, { to, when: WHEN, ip: '203.0.113.7' }),
    newDeviceMail(branding, {
      to,
      deviceLabel: 'Firefox 133 on Windows',
      ip: '203.0.113.7',
      when: WHEN,
    }),
    accountExistsMail(branding, {
      to,
      loginLink: 'https://acme.test/auth/login',
      resetLink: 'https://acme.test/auth/forgot-password',
    }),
  ];
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A logger that keeps its lines, to check what a mailer would have written. */
export function captureLogger(): { readonly logger: MailLogger; readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    lines,
  };
}
