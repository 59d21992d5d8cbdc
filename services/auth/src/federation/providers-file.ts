// The providers file (AUTH_PROVIDERS_FILE, YAML or JSON, `${ENV}` substitution like the routes
// file): which outside identity providers a user may sign in with, in the order of their buttons.
import { readFile } from 'node:fs/promises';
import { interpolateEnv, readDataFile } from '@authflow/config';
import { z } from 'zod';

/** Button icons shipped with the pages (no remote images on a sign-in page). */
export const PROVIDER_ICONS = [
  'generic',
  'google',
  'microsoft',
  'okta',
  'keycloak',
  'github',
] as const;

const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/u, 'must be 1-32 lower-case letters, digits or dashes')
  // `/auth/sso/link` is the mailed confirmation's page.
  .refine((id) => id !== 'link', 'link is reserved');
/** As the gateway's routes file declares roles: lower case. */
const roleSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/u, 'must be a lower-case role name ([a-z0-9_.:-])');

const common = {
  id: idSchema,
  name: z.string().min(1).max(64),
  icon: z.enum(PROVIDER_ICONS).default('generic'),
  /** Addresses must end in one of these domains (and be verified) when the list is given. */
  allowedDomains: z
    .array(
      z
        .string()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/iu, 'must be a domain like example.com')
        .transform((domain) => domain.toLowerCase()),
    )
    .min(1)
    .optional(),
};

/**
 * What AuthFlow decides about accounts from a provider's answer (not for `type: supabase`: there
 * Supabase owns the accounts, their roles in app_metadata).
 */
const accountRules = {
  /** Group name → roles, applied at each sign-in. */
  groupsToRoles: z.record(z.string().min(1), z.array(roleSchema)).default({}),
  /** Take the provider's `amr` (mfa, otp, hwk...) as this sign-in's second factor. */
  trustProviderMfa: z.boolean().default(false),
};

/**
 * Treat every address this provider gives as verified, for providers that send no
 * `email_verified` but only issue addresses they control (Microsoft Entra ID with verified
 * domains, say). An explicit decision: with it, the provider can open existing accounts of
 * those addresses after the owner's mailed confirmation, and make new ones.
 */
const trustEmail = { trustEmail: z.boolean().default(false) };

const secretFields = {
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  /** A file holding the secret (Docker/Kubernetes secrets), instead of `clientSecret`. */
  clientSecretFile: z.string().min(1).optional(),
};

const issuerSchema = z.url({ protocol: /^https?$/u }).refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopback(url.hostname);
}, 'must be https (http only for a provider on this machine: localhost, 127.0.0.1)');

const oidcSchema = z.strictObject({
  ...common,
  ...accountRules,
  ...trustEmail,
  ...secretFields,
  type: z.literal('oidc'),
  issuer: issuerSchema,
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/u))
    .refine((scopes) => scopes.includes('openid'), 'must include openid')
    .default(['openid', 'email', 'profile']),
  claims: z
    .strictObject({
      email: z.string().min(1).default('email'),
      name: z.string().min(1).default('name'),
      groups: z.string().min(1).default('groups'),
    })
    .default({ email: 'email', name: 'name', groups: 'groups' }),
  authorizationParams: z.record(z.string(), z.string()).default({}),
  /** How the client authenticates at the token endpoint (OpenID Connect's default: basic). */
  tokenAuthMethod: z
    .enum(['client_secret_basic', 'client_secret_post'])
    .default('client_secret_basic'),
});

const githubSchema = z.strictObject({
  ...common,
  ...accountRules,
  ...secretFields,
  type: z.literal('github'),
  scopes: z.array(z.string().min(1)).default(['read:user', 'user:email']),
  /** GitHub Enterprise Server: its web and API base URLs. */
  webUrl: z.url().default('https://github.com'),
  apiUrl: z.url().default('https://api.github.com'),
});

const supabaseSchema = z.strictObject({
  ...common,
  type: z.literal('supabase'),
  /** The provider's name in Supabase (`google`, `github`, `azure`, `keycloak`...). */
  supabaseProvider: z.string().regex(/^[a-z0-9_-]{1,32}$/u),
  scopes: z.array(z.string().min(1)).default([]),
});

const providerSchema = z.discriminatedUnion('type', [oidcSchema, githubSchema, supabaseSchema]);

const providersFileSchema = z.strictObject({ providers: z.array(providerSchema).max(32) });

type ParsedProvider = z.infer<typeof providerSchema>;

/** A provider as configured, its client secret resolved. */
export type ProviderConfig =
  | (Omit<Extract<ParsedProvider, { type: 'oidc' }>, 'clientSecretFile' | 'clientSecret'> & {
      readonly clientSecret: string;
    })
  | (Omit<Extract<ParsedProvider, { type: 'github' }>, 'clientSecretFile' | 'clientSecret'> & {
      readonly clientSecret: string;
    })
  | Extract<ParsedProvider, { type: 'supabase' }>;

/**
 * Validates a providers file (already read): every problem at once, the client secrets read
 * (from the value or the file named), ids unique, and the type matching the identity provider
 * (Supabase mode signs in through Supabase's own OAuth).
 */
export async function parseProvidersFile(
  raw: unknown,
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly identityProvider: 'builtin' | 'supabase';
    readonly source: string;
    readonly readSecret?: (path: string) => Promise<string>;
  },
): Promise<{ ok: true; providers: ProviderConfig[] } | { ok: false; problems: string[] }> {
  const { source } = options;
  const missing: string[] = [];
  const interpolated = interpolateEnv(raw, options.env, missing);
  const problems = missing.map((name) => `${source}: \${${name}} is used but not set`);
  const parsed = providersFileSchema.safeParse(interpolated);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${source}: ${issue.path.map(String).join('.') || 'file'}: ${issue.message}`);
    return { ok: false, problems };
  }
  const seen = new Set<string>();
  const providers: ProviderConfig[] = [];
  const readSecret = options.readSecret ?? ((path) => readFile(path, 'utf8'));
  for (const [index, provider] of parsed.data.providers.entries()) {
    const at = `${source}: providers.${index}`;
    if (seen.has(provider.id)) problems.push(`${at}.id: ${provider.id} is used twice`);
    seen.add(provider.id);
    if ((provider.type === 'supabase') !== (options.identityProvider === 'supabase'))
      problems.push(
        options.identityProvider === 'supabase'
          ? `${at}.type: with AUTH_IDENTITY_PROVIDER=supabase, providers are type: supabase (Supabase's own OAuth)`
          : `${at}.type: supabase needs AUTH_IDENTITY_PROVIDER=supabase`,
      );
    if (provider.type === 'supabase') {
      providers.push(provider);
      continue;
    }
    const { clientSecretFile, clientSecret, ...rest } = provider;
    if ((clientSecret === undefined) === (clientSecretFile === undefined)) {
      problems.push(`${at}: give one of clientSecret or clientSecretFile`);
      continue;
    }
    let secret = clientSecret;
    if (clientSecretFile !== undefined) {
      try {
        secret = (await readSecret(clientSecretFile)).trim();
      } catch (error) {
        problems.push(
          `${at}.clientSecretFile: ${clientSecretFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
        continue;
      }
      if (secret === '') problems.push(`${at}.clientSecretFile: ${clientSecretFile} is empty`);
    }
    providers.push({ ...rest, clientSecret: secret ?? '' });
  }
  return problems.length === 0 ? { ok: true, providers } : { ok: false, problems };
}

/** Reads, interpolates and validates the providers file; every problem together. */
export async function readProvidersFile(
  path: string,
  options: Omit<Parameters<typeof parseProvidersFile>[1], 'source'>,
): Promise<{ ok: true; providers: ProviderConfig[] } | { ok: false; problems: string[] }> {
  const read = await readDataFile(path, 'AUTH_PROVIDERS_FILE');
  return read.ok ? parseProvidersFile(read.raw, { ...options, source: path }) : read;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/u.test(hostname);
}
