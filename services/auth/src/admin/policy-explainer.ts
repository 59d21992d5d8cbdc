// Policy explain for the admin API and CLI: the gateway's own pure decision (`explainAccess` from
// `@authflow/gateway/policy`) over a routes file, so the answer cannot drift from what the gateway
// enforces. Nothing is sent to any backend.
import { ConfigError } from '@authflow/config';
import {
  type AccessExplanation,
  DEFAULT_ROUTES_FILE,
  explainAccess,
  loadRoutesFile,
  type RoutesFile,
  type SessionFacts,
} from '@authflow/gateway/policy';

export { DEFAULT_ROUTES_FILE };

/** The request to explain, as it would reach the gateway. */
export interface ExplainRequest {
  readonly method: string;
  /** The Host it is sent to; without it, the explainer's default host. */
  readonly host?: string | undefined;
  /** The path (a query is ignored, as the gateway ignores it for routing). */
  readonly path: string;
}

export interface PolicyExplainer {
  /**
   * What the gateway would do with `request` from a session with these facts. Rejects with
   * {@link PolicyExplainUnavailableError} when there are no routes to explain against.
   */
  explain(request: ExplainRequest, session: SessionFacts): Promise<AccessExplanation>;
}

/** The routes file cannot be read or is one the gateway would refuse: every problem listed. */
export class PolicyExplainUnavailableError extends Error {
  override readonly name = 'PolicyExplainUnavailableError';
}

/** An explainer over routes already loaded; `defaultHost` stands in for a request without one. */
export function routesExplainer(routes: RoutesFile, defaultHost: string): PolicyExplainer {
  return {
    explain: (request, session) =>
      Promise.resolve(
        explainAccess(
          routes,
          { method: request.method, host: request.host ?? defaultHost, path: request.path },
          session,
        ),
      ),
  };
}

/**
 * The admin API's explainer: the routes file is read and checked on every question, so the
 * answer follows the file as it is now (what a gateway started now would enforce), and auth
 * starts whether or not the file is there (auth and the gateway may run on different hosts).
 */
export function routesFileExplainer(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  defaultHost: string,
): PolicyExplainer {
  return {
    explain: async (request, session) =>
      (await loadPolicyExplainer(file, env, defaultHost)).explain(request, session),
  };
}

/**
 * Reads and checks a routes file the way the gateway does (`${NAME:-default}` read from `env`);
 * a file the gateway would refuse throws its ConfigError with every problem listed.
 */
export async function loadPolicyExplainer(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  defaultHost: string,
): Promise<PolicyExplainer> {
  try {
    return routesExplainer(await loadRoutesFile(file, env), defaultHost);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new PolicyExplainUnavailableError(error.problems.join('; '), { cause: error });
  }
}

export type { AccessExplanation, SessionFacts };
