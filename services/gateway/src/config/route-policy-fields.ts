// The policy fields of a route in the routes file (who may pass, with which methods, on which
// hosts, with a verified address), each normalised once here so the rules compare plain values.
import { z } from 'zod';
import { normalizeHostPattern } from './hosts.js';

/**
 * A role as auth stores it on users and sessions. Source of truth: `ROLE_PATTERN` in
 * services/auth/src/admin/admin-ports.ts (copied: the gateway does not import auth).
 */
export const ROLE_NAME = /^[a-z0-9][a-z0-9_.:-]{0,63}$/u;

export const roleNameSchema = z
  .string()
  .regex(ROLE_NAME, 'a role name: lower-case letters, digits, `_` `.` `:` `-`, 1–64 characters');

/** The methods the gateway proxies (every route serves exactly these). */
export const PROXIED_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
] as const;
export type ProxiedMethod = (typeof PROXIED_METHODS)[number];

const isProxiedMethod = (method: string): method is ProxiedMethod =>
  (PROXIED_METHODS as readonly string[]).includes(method);

/** `allow: { roles: [...], match: anyOf | allOf }`: which roles a session needs here. */
export const allowSchema = z
  .strictObject({
    roles: z
      .array(roleNameSchema)
      .min(1, 'lists no role, so nobody could pass (remove `allow` to admit every signed-in user)'),
    /** `anyOf` (the default): one of the roles is enough; `allOf`: every one is needed. */
    match: z.enum(['anyOf', 'allOf']).default('anyOf'),
  })
  .transform((allow) => ({ roles: [...new Set(allow.roles)], match: allow.match }));

export type AllowRule = z.output<typeof allowSchema>;

/** `methods: [GET, HEAD]`: the only methods that pass (any case in the file; upper-case after). */
export const methodsSchema = z
  .array(z.string())
  .min(1, 'lists no method, so nothing could pass (remove `methods` to allow every method)')
  .transform((methods, context): ProxiedMethod[] => {
    const upper = methods.map((method) => method.toUpperCase());
    upper.forEach((method, index) => {
      if (!isProxiedMethod(method))
        context.addIssue({
          code: 'custom',
          path: [index],
          message: `${methods[index] ?? ''} is not a method the gateway proxies (${PROXIED_METHODS.join(', ')})`,
        });
    });
    return [...new Set(upper.filter(isProxiedMethod))];
  });

/** `hosts: [example.com, "*.example.com"]`: the only hosts this route serves. */
export const hostsSchema = z
  .array(z.string())
  .min(1, 'lists no host, so the route could never match (remove `hosts` to serve every host)')
  .transform((hosts, context): string[] => {
    const normalized: string[] = [];
    hosts.forEach((host, index) => {
      const pattern = normalizeHostPattern(host);
      if (pattern === undefined)
        context.addIssue({
          code: 'custom',
          path: [index],
          message: `${host} is not a host name (example.com or *.example.com: no scheme, port or path)`,
        });
      else normalized.push(pattern);
    });
    return [...new Set(normalized)];
  });

/** `emailVerified: true`: the session's address must have been proven. */
export const emailVerifiedSchema = z.literal(true, {
  error: 'can only be `true` (remove it to admit sessions whose address is not verified)',
});
