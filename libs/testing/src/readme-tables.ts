// What a service README documents, read back for the tests that keep it true.

/** The environment variables named in the README's config tables (rows starting `| \`NAME\` |`), sorted. */
export function documentedVariables(readme: string): string[] {
  return [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` *\|/gmu)]
    .map((match) => match[1] ?? '')
    .sort();
}

/** An error registry's codes with their statuses, sorted by code: what the README's error table must list. */
export function registeredErrors(registry: {
  readonly definitions: Readonly<Record<string, { readonly status: number }>>;
}): { code: string; status: number }[] {
  return Object.entries(registry.definitions)
    .map(([code, { status }]) => ({ code, status }))
    .sort((a, b) => a.code.localeCompare(b.code));
}
