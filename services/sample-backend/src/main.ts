// Process entry of the sample backend: configuration, build, listen, graceful shutdown.
import { ConfigError } from '@authflow/config';
import { runServices } from '@authflow/service-runtime';
import { buildSampleBackendApp } from './app.js';
import { loadSampleBackendConfig } from './config/load-config.js';

try {
  const config = loadSampleBackendConfig(process.env);
  const app = await buildSampleBackendApp(config);
  const running = await runServices(
    [{ name: 'sample-backend', app, host: config.server.host, port: config.server.port }],
    {
      logger: app.log,
      drainTimeoutMs: config.server.shutdownDrainMs,
    },
  );
  app.log.info({ url: running.urls['sample-backend'] }, 'AuthFlow sample backend ready');
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`AuthFlow sample backend: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
