// Parses a service's environment once against its zod schema; every problem is reported together.
import type { z } from 'zod';

/** Thrown when the environment does not satisfy the schema; lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer Item)[]
    ? readonly DeepReadonly<Item>[]
    : T extends object
      ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
      : T;

/**
 * `loadConfig(schema, process.env)`: the schema reads environment names (so messages name the
 * variable to fix) and may transform them into a nested config. Values are never echoed: a
 * secret in the wrong place must not reach a log.
 */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: Readonly<Record<string, string | undefined>>,
): DeepReadonly<z.output<Schema>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const where = issue.path.length === 0 ? 'configuration' : issue.path.map(String).join('.');
        return `${where}: ${issue.message}`;
      }),
    );
  }
  return deepFreeze(result.data) as DeepReadonly<z.output<Schema>>;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
