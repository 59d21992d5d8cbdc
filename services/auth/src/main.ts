// Process entry of the auth service: configuration, build, listen, graceful shutdown.
import { runServices, startOrExit, waitUntilReady } from '@authflow/service-runtime';
import { buildAuthApp } from './app.js';
import { loadAuthConfig } from './config/load-config.js';

/** How long Redis and the user store get to answer at start (they may start alongside auth). */
const STARTUP_WAIT_MS = 10_000;

await startOrExit('AuthFlow auth', async () => {
  const config = loadAuthConfig(process.env);
  const app = await buildAuthApp(config);
  // Redis and the user store must answer before this service says it is ready.
  await waitUntilReady(app, {
    timeoutMs: STARTUP_WAIT_MS,
    settings: {
      redis: 'REDIS_URL',
      identity:
        config.identity.provider === 'supabase'
          ? 'AUTH_SUPABASE_URL'
          : config.identity.databaseUrl === undefined
            ? 'AUTH_DATA_DIR'
            : 'AUTH_DATABASE_URL',
    },
  }).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  const running = await runServices(
    [
      {
        name: 'auth',
        app,
        host: config.server.host,
        port: config.server.port,
        portSetting: 'AUTH_PORT',
        hostSetting: 'AUTH_HOST',
      },
    ],
    {
      logger: app.log,
      drainTimeoutMs: config.server.shutdownDrainMs,
    },
  );
  app.log.info({ url: running.urls.auth }, 'AuthFlow auth service ready');
});
