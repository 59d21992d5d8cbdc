// Fixture for run-services.test.ts: a service with one slow route, run as its own process.
import Fastify from 'fastify';
import { runServices } from '../run-services.ts';

const [requestMs = '400', drainMs = '5000'] = process.argv.slice(2);
const app = Fastify({ logger: { level: 'info' } });
app.get('/slow', async () => {
  await new Promise((resolve) => setTimeout(resolve, Number(requestMs)));
  return 'done';
});
const running = await runServices([{ name: 'slow', app, host: '127.0.0.1', port: 0 }], {
  logger: app.log,
  drainTimeoutMs: Number(drainMs),
  onClosed: () => {
    app.log.info('store closed');
    return Promise.resolve();
  },
});
process.stdout.write(`READY ${running.urls.slow ?? ''}\n`);
