// Loads the gateway's configuration: environment plus routes file, every problem reported together.
import { fileURLToPath } from 'node:url';
import { ConfigError, type DeepReadonly, deepFreeze, loadConfig } from '@authflow/config';
import { type GatewayEnvConfig, gatewayEnvSchema } from './config.schema.js';
import { type RoutesFile, readRoutesFile } from './routes-file.js';

export type GatewayConfig = DeepReadonly<GatewayEnvConfig & { routes: RoutesFile }>;

/** The routes shipped with the gateway: the dev defaults of DESIGN.md §2, upstreams from env. */
export const DEFAULT_ROUTES_FILE = fileURLToPath(
  new URL('../../config/routes.yaml', import.meta.url),
);

export async function loadGatewayConfig(
  environment: Readonly<Record<string, string | undefined>>,
): Promise<GatewayConfig> {
  const problems: string[] = [];
  let base: DeepReadonly<GatewayEnvConfig> | undefined;
  try {
    base = loadConfig(gatewayEnvSchema, environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const routes = await readRoutesFile(
    base?.routesFile ?? environment.GATEWAY_ROUTES_FILE ?? DEFAULT_ROUTES_FILE,
    environment,
  );
  if (!routes.ok) problems.push(...routes.problems);
  if (problems.length > 0 || base === undefined || !routes.ok) throw new ConfigError(problems);
  return deepFreeze({ ...base, routes: routes.routes });
}
