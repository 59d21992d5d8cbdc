// A Redis client's connection logged once when lost and once when back, not at every retry.
import type { createRedisClient } from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';

/**
 * ioredis reports every failed reconnect attempt ('error', 'close', 'reconnecting'); only the
 * edges between "ready" and "not ready" are worth a line. Errors themselves are already handled
 * (commands reject and count in the breaker). Returns a function that stops logging (call it
 * before quitting the client, so a shutdown is not reported as a lost connection).
 */
type RedisClient = ReturnType<typeof createRedisClient>;

export function logConnectionChanges(
  client: RedisClient,
  logger: FastifyBaseLogger,
  dependency: string,
  clock: () => number = Date.now,
): () => void {
  let lostAt: number | undefined;
  let lastError = '';
  const onError = (error: unknown): void => {
    lastError = error instanceof Error ? error.message : String(error);
  };
  const onClose = (): void => {
    if (lostAt !== undefined) return;
    lostAt = clock();
    logger.warn(
      {
        event: 'dependency.connection_lost',
        dependency,
        ...(lastError === '' ? {} : { lastError }),
      },
      `${dependency} connection lost; reconnecting`,
    );
  };
  const onReady = (): void => {
    if (lostAt === undefined) return;
    const downMs = clock() - lostAt;
    lostAt = undefined;
    lastError = '';
    logger.info(
      { event: 'dependency.connection_back', dependency, downMs },
      `${dependency} connection back after ${downMs} ms`,
    );
  };
  client.on('error', onError);
  client.on('close', onClose);
  client.on('ready', onReady);
  return () => {
    client.off('error', onError);
    client.off('close', onClose);
    client.off('ready', onReady);
  };
}
