// `npm start`: the whole stack in one process, ready to open in a browser.
import { runServices, startOrExit } from '@authflow/service-runtime';
import { buildStack } from './stack.js';

await startOrExit('AuthFlow', async () => {
  const stack = await buildStack(process.env);
  const [gateway] = stack.services;
  if (gateway === undefined) throw new Error('no gateway');
  const running = await runServices(stack.services, {
    logger: gateway.app.log,
    drainTimeoutMs: 5_000,
    onClosed: () => stack.close(),
  });
  process.stdout.write(
    [
      '',
      '  AuthFlow is running (all-in-one, development defaults).',
      '',
      `    Open           ${stack.publicUrl}/app/`,
      `    Gateway        ${running.urls.gateway ?? ''}`,
      `    Auth           ${running.urls.auth ?? ''}`,
      `    Sample backend ${running.urls['sample-backend'] ?? ''}`,
      '',
      `    Mail goes to   ${stack.outboxDir} (each link is also logged by the auth service)`,
      `    Accounts in    ${stack.dataDir} (PGlite); sessions in memory: they end with the process`,
      '',
      '  Sign up at /auth/signup, open the confirmation link from the outbox, then sign in.',
      '  Ctrl-C stops everything cleanly.',
      '',
      '',
    ].join('\n'),
  );
});
