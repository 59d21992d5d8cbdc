// A private edge for tests: the rendered template in a real nginx on a free port, stopped after.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from '@authflow/testing';
import {
  checkNginxConfig,
  findNginx,
  NGINX_MISSING_MESSAGE,
  prepareNginxPrefix,
  spawnNginx,
  waitForListening,
} from '../edge-process.ts';
import {
  enableTls,
  readEdgeTemplate,
  renderEdgeConfig,
  renderNginxConf,
} from '../render-config.ts';

export interface EdgeOptions {
  /** Template values; EDGE_PORT defaults to a free port, the access log to a file in the prefix. */
  readonly values?: Readonly<Record<string, string>>;
  /** Switch the production TLS lines on (EDGE_TLS=on). */
  readonly tls?: boolean;
}

export interface EdgeHandle {
  readonly url: string;
  readonly port: number;
  readonly prefix: string;
  /** The edge's JSON access log lines so far. */
  accessLog(): Promise<Record<string, unknown>[]>;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** Renders the edge configuration into a temporary prefix, checks it, runs nginx until stop(). */
export async function startEdge(options: EdgeOptions = {}): Promise<EdgeHandle> {
  const binary = findNginx();
  if (binary === undefined) throw new Error(NGINX_MISSING_MESSAGE);
  const prefix = await mkdtemp(join(tmpdir(), 'authflow-edge-'));
  const port = Number(options.values?.EDGE_PORT ?? (await getFreePort()));
  const accessLogPath = join(prefix, 'access.log');
  const template = options.tls === true ? enableTls(readEdgeTemplate()) : readEdgeTemplate();
  const httpBody = renderEdgeConfig(
    { EDGE_ACCESS_LOG: accessLogPath, ...options.values, EDGE_PORT: String(port) },
    template,
  );
  const confPath = await prepareNginxPrefix(prefix, renderNginxConf(httpBody, prefix));
  const check = checkNginxConfig(binary, prefix, confPath);
  if (!check.ok) throw new Error(`nginx -t failed:\n${check.output}`);

  const child = spawnNginx(binary, prefix, confPath, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // Start-up problems go to stderr, everything after to error.log in the prefix.
  const errorLog = async (): Promise<string> =>
    stderr + (await readFile(join(prefix, 'error.log'), 'utf8').catch(() => ''));
  try {
    await waitForListening(port, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\n${await errorLog()}`, { cause: error });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    prefix,
    accessLog: async () => {
      const text = await readFile(accessLogPath, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    errorLog,
    stop: async () => {
      process.off('exit', killOnExit);
      await stopNow(child);
    },
  };
}

/** SIGTERM (a fast stop): a graceful one would wait for the tests' open WebSockets. */
async function stopNow(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
