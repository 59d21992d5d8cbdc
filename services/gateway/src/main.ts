// Process entry of the gateway: configuration, build, listen, graceful shutdown.
import { runServices, startOrExit, waitUntilReady } from '@authflow/service-runtime';
import { buildGatewayApp } from './app.js';
import { loadGatewayConfig } from './config/load-config.js';

/** How long Redis gets to answer at start (it may start alongside the gateway). */
const STARTUP_WAIT_MS = 10_000;

await startOrExit('AuthFlow gateway', async () => {
  const config = await loadGatewayConfig(process.env);
  const app = await buildGatewayApp(config);
  // Redis must answer before the gateway says it is ready: sessions live there.
  await waitUntilReady(app, {
    timeoutMs: STARTUP_WAIT_MS,
    settings: { redis: 'REDIS_URL', revocations: 'REDIS_URL' },
  }).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
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
