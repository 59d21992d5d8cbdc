// Loads the gateway's configuration: environment plus routes file, every problem reported together.
import {
  ConfigError,
  type DeepReadonly,
  type Deprecation,
  deepFreeze,
  gatewayDeprecatedNames,
  loadConfigWithDeprecatedNames,
} from '@authflow/config';
import { type GatewayEnvConfig, gatewayEnvSchema } from './config.schema.js';
import { DEFAULT_ROUTES_FILE, readRoutesFile } from './read-routes-file.js';
import type { RoutesFile } from './routes-file.js';

export { DEFAULT_ROUTES_FILE };

export type GatewayConfig = DeepReadonly<
  GatewayEnvConfig & {
    routes: RoutesFile;
    /** Old setting names found in the environment; the app logs one warning for each at start. */
    deprecations: readonly Deprecation[];
  }
>;

export async function loadGatewayConfig(
  environment: Readonly<Record<string, string | undefined>>,
): Promise<GatewayConfig> {
  const problems: string[] = [];
  let loaded:
    { config: DeepReadonly<GatewayEnvConfig>; deprecations: readonly Deprecation[] } | undefined;
  try {
    loaded = loadConfigWithDeprecatedNames(gatewayEnvSchema, environment, gatewayDeprecatedNames);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const routes = await readRoutesFile(
    loaded?.config.routesFile ?? environment.GATEWAY_ROUTES_FILE ?? DEFAULT_ROUTES_FILE,
    environment,
  );
  if (!routes.ok) problems.push(...routes.problems);
  if (problems.length > 0 || loaded === undefined || !routes.ok) throw new ConfigError(problems);
  return deepFreeze({
    ...loaded.config,
    routes: routes.routes,
    deprecations: loaded.deprecations,
  });
}
