// `${NAME}` and `${NAME:-default}` in a configuration file (routes, providers), read from the environment.

/**
 * Replaces `${NAME}` and `${NAME:-default}` in string values with environment values, so one
 * file serves local runs and containers. An unset variable without a default is an error.
 */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  missing: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/gu,
      (_match, name: string, fallback: string | undefined) => {
        const found = env[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        missing.push(name);
        return '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((item) => interpolateEnv(item, env, missing));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, missing)]),
    );
  }
  return value;
}
