// The settings gateway and auth must agree on, declared once (DESIGN.md §9): both services spread
// this fragment into their schema, so one value in the shared environment serves both.
import type { z } from 'zod';
import { env } from './env.js';

const partPolicy = (fallback: 'enforce' | 'observe') => env.oneOf(['enforce', 'observe'], fallback);

/**
 * `AUTHFLOW_*` variables: spread into a service's `z.object({...})`. Defaults are the design's:
 * sessions idle out after an hour and end after a week, the `__Host-` cookie, browser facts of
 * the fingerprint enforced and the client IP observed (mobile networks move).
 */
export const sharedSettingsVariables = {
  AUTHFLOW_SESSION_IDLE_TTL_SECONDS: env.integer(3_600, { min: 1 }),
  AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS: env.integer(604_800, { min: 1 }),
  AUTHFLOW_COOKIE_SECURE: env.boolean(true),
  AUTHFLOW_FINGERPRINT_IP_GRANULARITY: env.oneOf(['none', 'prefix', 'exact'], 'prefix'),
  AUTHFLOW_FINGERPRINT_USER_AGENT: partPolicy('enforce'),
  AUTHFLOW_FINGERPRINT_LANGUAGE: partPolicy('enforce'),
  AUTHFLOW_FINGERPRINT_PLATFORM: partPolicy('enforce'),
  AUTHFLOW_FINGERPRINT_MOBILE: partPolicy('enforce'),
  AUTHFLOW_FINGERPRINT_IP: partPolicy('observe'),
  AUTHFLOW_HANDOFF_SECRET: env.secret({ minLength: 32, required: true }),
};

export type SharedSettingName = keyof typeof sharedSettingsVariables;

/** The parsed shared variables, as they appear among a service's parsed variables. */
export type SharedSettingsVariables = {
  readonly [Name in SharedSettingName]: z.output<(typeof sharedSettingsVariables)[Name]>;
};

type PartPolicy = 'enforce' | 'observe';

/** The shared settings in the shape the services use them. */
export interface SharedSettings {
  readonly sessions: {
    readonly idleTtlMs: number;
    readonly absoluteTtlMs: number;
    readonly cookieSecure: boolean;
  };
  readonly fingerprint: {
    readonly ipGranularity: 'none' | 'prefix' | 'exact';
    readonly policy: {
      readonly userAgent: PartPolicy;
      readonly language: PartPolicy;
      readonly platform: PartPolicy;
      readonly mobile: PartPolicy;
      readonly ip: PartPolicy;
    };
  };
  readonly handoffSecret: string;
}

/** Rules between shared variables, for the service schema's `superRefine`. */
export function checkSharedSettings(vars: SharedSettingsVariables, context: z.RefinementCtx): void {
  if (vars.AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS < vars.AUTHFLOW_SESSION_IDLE_TTL_SECONDS) {
    context.addIssue({
      code: 'custom',
      path: ['AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS'],
      message: 'must not be shorter than AUTHFLOW_SESSION_IDLE_TTL_SECONDS',
    });
  }
}

/** For the service schema's `transform`. */
export function sharedSettingsFrom(vars: SharedSettingsVariables): SharedSettings {
  return {
    sessions: {
      idleTtlMs: vars.AUTHFLOW_SESSION_IDLE_TTL_SECONDS * 1_000,
      absoluteTtlMs: vars.AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS * 1_000,
      cookieSecure: vars.AUTHFLOW_COOKIE_SECURE,
    },
    fingerprint: {
      ipGranularity: vars.AUTHFLOW_FINGERPRINT_IP_GRANULARITY,
      policy: {
        userAgent: vars.AUTHFLOW_FINGERPRINT_USER_AGENT,
        language: vars.AUTHFLOW_FINGERPRINT_LANGUAGE,
        platform: vars.AUTHFLOW_FINGERPRINT_PLATFORM,
        mobile: vars.AUTHFLOW_FINGERPRINT_MOBILE,
        ip: vars.AUTHFLOW_FINGERPRINT_IP,
      },
    },
    // Required by the fragment: a missing secret is a config problem before this runs.
    handoffSecret: vars.AUTHFLOW_HANDOFF_SECRET ?? '',
  };
}
