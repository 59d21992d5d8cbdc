// `npm run start:edge`: renders the edge configuration from the environment into .run/edge/, checks
// it with `nginx -t` and runs nginx in the foreground until SIGINT/SIGTERM (a graceful stop).
import { fstatSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import {
  checkNginxConfig,
  findNginx,
  NGINX_MISSING_MESSAGE,
  portOf,
  prepareNginxPrefix,
  spawnNginx,
  waitForListening,
} from './edge-process.ts';
import {
  EDGE_DEFAULTS,
  enableTls,
  readEdgeTemplate,
  renderEdgeConfig,
  renderNginxConf,
} from './render-config.ts';

const env = process.env;

const setting = (name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
};

const say = (text: string): void => void process.stdout.write(`[edge] ${text}\n`);
const complain = (text: string): void => void process.stderr.write(`[edge] ${text}\n`);

/** Where a browser reaches a `listen` value: its address, or loopback for a wildcard. */
function urlOf(scheme: string, listen: string): string {
  const port = portOf(listen);
  const address = /^(.*):\d+$/u.exec(listen)?.[1];
  const host =
    address === undefined || address === '*' || address === '0.0.0.0' || address === '[::]'
      ? '127.0.0.1'
      : address;
  return `${scheme}://${host}:${port}`;
}

async function main(): Promise<number> {
  const binary = findNginx(setting('EDGE_NGINX_BINARY'));
  if (binary === undefined) {
    complain(NGINX_MISSING_MESSAGE);
    return 1;
  }
  const prefix = resolve(
    setting('EDGE_RUN_DIR') ?? join(import.meta.dirname, '..', '.run', 'edge'),
  );
  const values = { ...env };
  // nginx cannot open /dev/stdout when it is a socket (how process managers and Node's own
  // child_process connect stdout): the access log goes to a file in the prefix then.
  if (setting('EDGE_ACCESS_LOG') === undefined && fstatSync(1).isSocket()) {
    values.EDGE_ACCESS_LOG = join(prefix, 'access.log');
    say(`access log: ${values.EDGE_ACCESS_LOG}`);
  }
  const tls = setting('EDGE_TLS') === 'on';
  let httpBody: string;
  try {
    const template = readEdgeTemplate();
    httpBody = renderEdgeConfig(values, tls ? enableTls(template) : template);
  } catch (error) {
    complain(error instanceof Error ? error.message : String(error));
    return 1;
  }
  const confPath = await prepareNginxPrefix(
    prefix,
    renderNginxConf(httpBody, prefix, { errorLog: 'stderr' }),
  );
  const check = checkNginxConfig(binary, prefix, confPath);
  if (!check.ok) {
    complain(`nginx refused the configuration in ${confPath}:\n${check.output}`);
    return 1;
  }

  // nginx gets a process group of its own: a terminal's Ctrl-C then reaches only this script,
  // which asks nginx for a graceful stop instead of nginx dropping open connections at once.
  const child = spawnNginx(binary, prefix, confPath, { stdio: 'inherit', detached: true });
  const exited = new Promise<number>((settle) => {
    child.once('exit', (code, signal) => {
      settle(code ?? (signal === null ? 1 : 128 + constants.signals[signal]));
    });
  });
  let stopping = false;
  const stop = (): void => {
    if (child.exitCode !== null) return;
    if (stopping) {
      complain('stopping now');
      child.kill('SIGTERM');
      return;
    }
    stopping = true;
    say('stopping gracefully (open requests may finish; again to stop at once)');
    child.kill('SIGQUIT');
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  // Never leave nginx behind, whatever ends this process.
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });

  const listen = setting('EDGE_PORT') ?? EDGE_DEFAULTS.EDGE_PORT ?? '8080';
  try {
    await waitForListening(portOf(listen), child);
    const gateway = setting('AUTHFLOW_GATEWAY_ADDRESS') ?? EDGE_DEFAULTS.AUTHFLOW_GATEWAY_ADDRESS;
    say(`AuthFlow edge on ${urlOf('http', listen)} -> gateway ${gateway ?? ''}`);
    if (tls) say(`TLS on ${urlOf('https', setting('EDGE_TLS_PORT') ?? '443')}`);
    say(`configuration: ${confPath}`);
  } catch (error) {
    // When nginx exited, it has said why on stderr, and its exit code is returned below.
    if (child.exitCode === null) complain(error instanceof Error ? error.message : String(error));
  }
  return exited;
}

process.exitCode = await main();
