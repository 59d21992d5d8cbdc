// 3. Env files: committed settings hold no secrets and name only variables the services read.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EnvFile, readEnvFile } from './env-file.ts';
import { fail, shown, warn } from './findings.ts';
import { ENV_DIR, REPO } from './settings.ts';

/** Fragments of libs/config a schema may spread in, by the name it spreads. */
const SHARED_FRAGMENTS: Readonly<Record<string, string>> = {
  sharedSettingsVariables: 'shared-settings.ts',
  gatewayAddressVariables: 'gateway-address.ts',
};

function declaredIn(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+):\s*env\./gmu)].map(
    (m) => m[1] ?? '',
  );
}

/** The variables a service reads: its zod schema's keys, the shared fragments it spreads in, and
 * the gateway's routes file. */
export function knownVariables(service: string): Set<string> | undefined {
  const schema = join(REPO, 'services', service, 'src', 'config', 'config.schema.ts');
  if (!existsSync(schema)) return undefined;
  const names = new Set(declaredIn(schema));
  const text = readFileSync(schema, 'utf8');
  for (const [fragment, file] of Object.entries(SHARED_FRAGMENTS)) {
    if (text.includes(`...${fragment}`))
      for (const name of declaredIn(join(REPO, 'libs', 'config', 'src', file))) names.add(name);
  }
  if (service === 'gateway') {
    const routes = join(REPO, 'services', 'gateway', 'config', 'routes.yaml');
    if (existsSync(routes)) {
      for (const match of readFileSync(routes, 'utf8').matchAll(/\$\{([A-Z][A-Z0-9_]*)/gu))
        names.add(match[1] ?? '');
    }
  }
  return names.size > 0 ? names : undefined;
}

export function checkEnvFiles(secretFiles: Map<string, EnvFile>): void {
  const consumers: Record<string, string[]> = {
    'authflow.env': ['gateway', 'auth'],
    'gateway.env': ['gateway'],
    'auth.env': ['auth'],
    'sample-backend.env': ['sample-backend'],
  };
  const secretConsumers: Record<string, string[]> = {
    'authflow.env': ['gateway', 'auth'],
    'auth.env': ['auth'],
  };
  for (const file of readdirSync(ENV_DIR).filter((name) => name.endsWith('.env'))) {
    const envFile = readEnvFile(join(ENV_DIR, file));
    const where = shown(envFile.path);
    for (const [name, value] of envFile.vars) {
      const secretName =
        /(SECRET|PASSWORD|PASSWD|TOKEN|_KEY)$/u.test(name) && !value.startsWith('/');
      if (secretName || /:\/\/[^/@\s]*:[^/@\s]*@/u.test(value)) {
        fail(
          where,
          `${name} looks like a secret: it belongs in deploy/secrets/, not in a committed file`,
        );
      }
    }
    for (const service of consumers[file] ?? []) checkKnown(envFile, service, where);
  }
  for (const [file, envFile] of secretFiles) {
    for (const service of secretConsumers[file] ?? [])
      checkKnown(envFile, service, `secrets/${file}`);
  }
}

export function checkKnown(envFile: EnvFile, service: string, where: string): void {
  const known = knownVariables(service);
  if (known === undefined) {
    warn(
      where,
      `services/${service}/src/config/config.schema.ts not found: variable names not checked`,
    );
    return;
  }
  for (const name of envFile.vars.keys()) {
    if (!known.has(name)) fail(where, `${name} is not a setting of ${service} (typo?)`);
  }
}
