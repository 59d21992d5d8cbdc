// Process entry of the sample backend: configuration, build, listen, graceful shutdown.
import { runServices, startOrExit } from '@authflow/service-runtime';
import { buildSampleBackendApp } from './app.js';
import { loadSampleBackendConfig } from './config/load-config.js';

await startOrExit('AuthFlow sample backend', async () => {
  const config = loadSampleBackendConfig(process.env);
  const app = await buildSampleBackendApp(config);
  const running = await runServices(
    [
      {
        name: 'sample-backend',
        app,
        host: config.server.host,
        port: config.server.port,
        portSetting: 'SAMPLE_BACKEND_PORT',
        hostSetting: 'SAMPLE_BACKEND_HOST',
      },
    ],
    {
      logger: app.log,
      drainTimeoutMs: config.server.shutdownDrainMs,
    },
  );
  app.log.info({ url: running.urls['sample-backend'] }, 'AuthFlow sample backend ready');
});
