// Process entry of the auth service: configuration, build, listen, graceful shutdown.
import { runServices, startOrExit } from '@authflow/service-runtime';
import { buildAuthApp } from './app.js';
import { loadAuthConfig } from './config/load-config.js';

await startOrExit('AuthFlow auth', async () => {
  const config = loadAuthConfig(process.env);
  const app = await buildAuthApp(config);
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
