// Upgrade requests as a router constraint: a WebSocket route's upgrade goes to its WebSocket
// proxy, every other request at the same prefix to the plain HTTP route beside it.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The constraint's name in route options (`constraints: { [UPGRADE_CONSTRAINT]: UPGRADE }`). */
export const UPGRADE_CONSTRAINT = 'authflowUpgrade';

/** The value an upgrade request derives (Node's parser saw `Connection: upgrade` + `Upgrade`). */
export const UPGRADE = 'upgrade';

/** find-my-way's storage for one route node: the handlers of its upgrade-only routes. */
function upgradeStorage() {
  const handlers = new Map<string, unknown>();
  return {
    get: (value: string): unknown => handlers.get(value) ?? null,
    set: (value: string, handler: unknown): void => {
      handlers.set(value, handler);
    },
  };
}

type ConstraintStrategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];

/**
 * A plain request derives nothing, so it matches only routes without the constraint; an upgrade
 * matches the constrained route where there is one and the plain route otherwise.
 */
export const upgradeConstraintStrategy: ConstraintStrategy = {
  name: UPGRADE_CONSTRAINT,
  mustMatchWhenDerived: false,
  storage: upgradeStorage as unknown as ConstraintStrategy['storage'],
  // Node sets `upgrade` on a request its parser took for an upgrade (its types leave it out).
  deriveConstraint(request: IncomingMessage & { readonly upgrade?: boolean }): string | undefined {
    return request.upgrade === true ? UPGRADE : undefined;
  },
};
