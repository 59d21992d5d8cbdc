// vitest global setup: provides `redisUrl` to integration tests, from the first source that works:
// REDIS_URL, a private redis-server on a free port, or a testcontainers Redis (Docker).
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { isRedisServerInstalled, startRedisServer } from './redis-server.js';
import './provided-context.js';

export const REDIS_OPTIONS_MESSAGE =
  'Integration tests need Redis. Either set REDIS_URL to a Redis they may write to, ' +
  'install redis-server (Debian: apt-get install redis-server) so each run starts a private one, ' +
  'or run a Docker engine so testcontainers can start one.';

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.REDIS_URL;
  if (given !== undefined && given !== '') {
    project.provide('redisUrl', given);
    report(project, 'using Redis from REDIS_URL');
    return undefined;
  }
  if (isRedisServerInstalled()) {
    const server = await startRedisServer();
    project.provide('redisUrl', server.url);
    report(project, `spawned a private redis-server on port ${server.port}`);
    return () => server.stop();
  }
  if (hasDockerEngine()) {
    const { RedisContainer } = await import('@testcontainers/redis');
    // A socket file or DOCKER_HOST does not mean an engine answers: a failed start still ends
    // with the three ways to give the tests a Redis, not only Docker's own error.
    const container = await new RedisContainer('redis:7-alpine').start().catch((error: unknown) => {
      throw new Error(
        `${REDIS_OPTIONS_MESSAGE} (A Docker engine looked available but testcontainers could not start Redis.)`,
        { cause: error },
      );
    });
    project.provide('redisUrl', container.getConnectionUrl());
    report(project, `started a testcontainers Redis at ${container.getConnectionUrl()}`);
    return async () => {
      await container.stop();
    };
  }
  throw new Error(REDIS_OPTIONS_MESSAGE);
}

function hasDockerEngine(): boolean {
  return (process.env.DOCKER_HOST ?? '') !== '' || existsSync('/var/run/docker.sock');
}

function report(project: TestProject, message: string): void {
  process.stdout.write(`[${project.name}] ${message}\n`);
}
