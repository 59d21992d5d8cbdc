// Old names of the shared settings, accepted for one release: each is read as its AUTHFLOW_* name,
// and the service logs one deprecation warning per old name at start. Old and new names set to
// different values are a config problem, never a silent pick of one.
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { ConfigError, type DeepReadonly, loadConfig } from './load-config.js';
import { type SharedSettingName, sharedSettingsVariables } from './shared-settings.js';

/** Old name → the shared name that replaces it. */
export type DeprecatedNames = Readonly<Record<string, SharedSettingName>>;

/** The gateway's names before the shared fragment. */
export const gatewayDeprecatedNames: DeprecatedNames = {
  GATEWAY_SESSION_IDLE_TTL_SECONDS: 'AUTHFLOW_SESSION_IDLE_TTL_SECONDS',
  GATEWAY_SESSION_ABSOLUTE_TTL_SECONDS: 'AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS',
  GATEWAY_COOKIE_SECURE: 'AUTHFLOW_COOKIE_SECURE',
  GATEWAY_FINGERPRINT_USER_AGENT: 'AUTHFLOW_FINGERPRINT_USER_AGENT',
  GATEWAY_FINGERPRINT_LANGUAGE: 'AUTHFLOW_FINGERPRINT_LANGUAGE',
  GATEWAY_FINGERPRINT_PLATFORM: 'AUTHFLOW_FINGERPRINT_PLATFORM',
  GATEWAY_FINGERPRINT_MOBILE: 'AUTHFLOW_FINGERPRINT_MOBILE',
  GATEWAY_FINGERPRINT_IP: 'AUTHFLOW_FINGERPRINT_IP',
};

/** The auth service's names before the shared fragment. */
export const authDeprecatedNames: DeprecatedNames = {
  AUTH_SESSION_IDLE_TTL_SECONDS: 'AUTHFLOW_SESSION_IDLE_TTL_SECONDS',
  AUTH_SESSION_ABSOLUTE_TTL_SECONDS: 'AUTHFLOW_SESSION_ABSOLUTE_TTL_SECONDS',
  AUTH_COOKIE_SECURE: 'AUTHFLOW_COOKIE_SECURE',
};

/** An old name found in the environment; `message` is what the service logs (warn) at start. */
export interface Deprecation {
  readonly name: string;
  readonly replacement: SharedSettingName;
  readonly message: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

export interface ResolvedNames {
  /** The environment with each value given only under an old name copied to its new name. */
  readonly environment: Environment;
  readonly deprecations: readonly Deprecation[];
  /** Old and new name both set, to values that differ. */
  readonly problems: readonly string[];
  /** New name → the old name its value came from (so a problem names what the operator set). */
  readonly givenAs: ReadonlyMap<string, string>;
}

const present = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/** Equal when both parse to the same value (`1` and `true` agree), else when the text is equal. */
function isSameSetting(name: SharedSettingName, a: string, b: string): boolean {
  const field = sharedSettingsVariables[name];
  const first = field.safeParse(a);
  const second = field.safeParse(b);
  return first.success && second.success ? isDeepStrictEqual(first.data, second.data) : a === b;
}

export function resolveDeprecatedNames(
  environment: Environment,
  names: DeprecatedNames,
): ResolvedNames {
  const resolved: Record<string, string | undefined> = { ...environment };
  const deprecations: Deprecation[] = [];
  const problems: string[] = [];
  const givenAs = new Map<string, string>();
  for (const [name, replacement] of Object.entries(names)) {
    const old = present(environment[name]);
    if (old === undefined) continue;
    const current = present(resolved[replacement]);
    if (current !== undefined && !isSameSetting(replacement, old, current)) {
      problems.push(
        `${name}: deprecated name of ${replacement}, which is set to a different value; set only ${replacement}`,
      );
      continue;
    }
    if (current === undefined) {
      resolved[replacement] = old;
      givenAs.set(replacement, name);
    }
    deprecations.push({
      name,
      replacement,
      message: `${name} is deprecated and will stop working in the next release: set ${replacement} instead (one setting shared by gateway and auth)`,
    });
  }
  return { environment: resolved, deprecations, problems, givenAs };
}

/**
 * `loadConfig` that also accepts the old `names`: returns the config and the deprecations to
 * log; throws one `ConfigError` with every problem (a problem about a value given under an old
 * name names the old name).
 */
export function loadConfigWithDeprecatedNames<Schema extends z.ZodType>(
  schema: Schema,
  environment: Environment,
  names: DeprecatedNames,
): { config: DeepReadonly<z.output<Schema>>; deprecations: readonly Deprecation[] } {
  const resolved = resolveDeprecatedNames(environment, names);
  let config: DeepReadonly<z.output<Schema>>;
  try {
    config = loadConfig(schema, resolved.environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const renamed = error.problems.map((problem) => {
      const name = problem.slice(0, problem.indexOf(':'));
      const old = resolved.givenAs.get(name);
      return old === undefined ? problem : old + problem.slice(name.length);
    });
    throw new ConfigError([...resolved.problems, ...renamed]);
  }
  if (resolved.problems.length > 0) throw new ConfigError(resolved.problems);
  return { config, deprecations: resolved.deprecations };
}
