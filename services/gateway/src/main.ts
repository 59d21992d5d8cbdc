// Process entry of the gateway: configuration, build, listen, graceful shutdown.
import { runServices, startOrExit } from '@authflow/service-runtime';
import { buildGatewayApp } from './app.js';
import { loadGatewayConfig } from './config/load-config.js';

await startOrExit('AuthFlow gateway', async () => {
  const config = await loadGatewayConfig(process.env);
  const app = await buildGatewayApp(config);
  const running = await runServices(
    [
      {
        name: 'gateway',
        app,
        host: config.server.host,
        port: config.server.port,
        portSetting: 'GATEWAY_PORT',
        hostSetting: 'GATEWAY_HOST',
      },
    ],
    {
      logger: app.log,
      drainTimeoutMs: config.server.shutdownDrainMs,
    },
  );
  app.log.info({ url: running.urls.gateway }, 'AuthFlow gateway ready');
});
