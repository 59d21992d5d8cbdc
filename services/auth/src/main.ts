// Process entry of the auth service: configuration, build, listen, graceful shutdown.
import { ConfigError } from '@authflow/config';
import { runServices } from '@authflow/service-runtime';
import { buildAuthApp } from './app.js';
import { loadAuthConfig } from './config/load-config.js';

try {
  const config = loadAuthConfig(process.env);
  const app = await buildAuthApp(config);
  const running = await runServices(
    [{ name: 'auth', app, host: config.server.host, port: config.server.port }],
    {
      logger: app.log,
      drainTimeoutMs: config.server.shutdownDrainMs,
    },
  );
  app.log.info({ url: running.urls.auth }, 'AuthFlow auth service ready');
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`AuthFlow auth: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
