// The split stack as separate processes from the built services, behind the real nginx edge:
// what `npm run start:gateway|auth|sample-backend` and `npm run start:edge` run.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getFreePort, startTestSmtpServer, type TestSmtpServer } from '@authflow/testing';
import { type EdgeHandle, startEdge } from '../../nginx/test-support/edge-harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = join(ROOT, '.artifacts', 'e2e');

export interface SplitStack {
  /** What a user opens: the nginx edge. */
  readonly url: string;
  readonly gatewayUrl: string;
  readonly smtp: TestSmtpServer;
  readonly redisUrl: string;
  stop(): Promise<void>;
}

interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
}

/** Starts redis-backed gateway, auth (PGlite), sample-backend and the edge; waits until each is ready. */
export async function startSplitStack(redisUrl: string): Promise<SplitStack> {
  await mkdir(join(ARTIFACTS, 'logs'), { recursive: true });
  const [edgePort, gatewayPort, authPort, backendPort, smtp] = await Promise.all([
    getFreePort(),
    getFreePort(),
    getFreePort(),
    getFreePort(),
    startTestSmtpServer(),
  ]);
  const scratch = await mkdtemp(join(tmpdir(), 'authflow-e2e-'));
  const keysFile = join(scratch, 'signing-keys.json');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(
    keysFile,
    JSON.stringify({
      activeKid: 'e2e',
      keys: [{ kid: 'e2e', pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) }],
    }),
  );
  const url = `http://127.0.0.1:${edgePort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const shared = {
    REDIS_URL: redisUrl,
    AUTHFLOW_HANDOFF_SECRET: 'e2e-handoff-secret-0123456789abcdef0123',
  };

  const services: ServiceProcess[] = [
    run('auth', 'services/auth/dist/main.js', {
      ...shared,
      AUTH_PORT: String(authPort),
      AUTH_PUBLIC_URL: url,
      AUTHFLOW_COOKIE_SECURE: 'false',
      AUTH_TRUSTED_PROXIES: '127.0.0.1',
      AUTH_DATA_DIR: join(scratch, 'auth'),
      AUTH_SMTP_URL: smtp.url,
      AUTH_GATEWAY_JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
      AUTH_GATEWAY_ISSUER: url,
    }),
    run('gateway', 'services/gateway/dist/main.js', {
      ...shared,
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_PUBLIC_URL: url,
      AUTHFLOW_COOKIE_SECURE: 'false',
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1',
      GATEWAY_SIGNING_KEYS_FILE: keysFile,
      AUTH_UPSTREAM_URL: `http://127.0.0.1:${authPort}`,
      SAMPLE_BACKEND_UPSTREAM_URL: `http://127.0.0.1:${backendPort}`,
    }),
    run('sample-backend', 'services/sample-backend/dist/main.js', {
      SAMPLE_BACKEND_PORT: String(backendPort),
      SAMPLE_BACKEND_GATEWAY_JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
      SAMPLE_BACKEND_ASSERTION_ISSUER: url,
      SAMPLE_BACKEND_TRUSTED_PROXIES: '127.0.0.1',
    }),
  ];
  let edge: EdgeHandle | undefined;
  const stop = async (): Promise<void> => {
    await edge?.stop();
    await Promise.all(services.map(stopProcess));
    await smtp.close();
  };
  try {
    await Promise.all([
      waitForReady('gateway', `${gatewayUrl}/health/ready`, services),
      waitForReady('auth', `http://127.0.0.1:${authPort}/health/ready`, services),
      waitForReady('sample-backend', `http://127.0.0.1:${backendPort}/health/ready`, services),
    ]);
    edge = await startEdge({
      values: {
        EDGE_PORT: String(edgePort),
        AUTHFLOW_GATEWAY_ADDRESS: `127.0.0.1:${gatewayPort}`,
        EDGE_TRUSTED_LOAD_BALANCERS: '127.0.0.1',
        // A handful of sign-ins in a row is normal here; the edge's own tests cover the limit.
        EDGE_RATE_AUTH: '600r/m',
      },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, gatewayUrl, smtp, redisUrl, stop };
}

function run(name: string, entry: string, env: Record<string, string>): ServiceProcess {
  const log = createWriteStream(join(ARTIFACTS, 'logs', `${name}.log`));
  const child = spawn(process.execPath, [join(ROOT, entry)], {
    cwd: ROOT,
    // A clean environment: only what the service is given (each listens on 127.0.0.1 by default).
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  process.once('exit', () => child.kill('SIGKILL'));
  return { name, child };
}

async function waitForReady(
  name: string,
  url: string,
  services: readonly ServiceProcess[],
): Promise<void> {
  const deadline = Date.now() + 60_000;
  const process_ = services.find((service) => service.name === name);
  while (Date.now() < deadline) {
    if (process_?.child.exitCode !== null && process_?.child.exitCode !== undefined) {
      throw new Error(
        `${name} exited with ${process_.child.exitCode}; see .artifacts/e2e/logs/${name}.log`,
      );
    }
    const ready = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} not ready at ${url} within 60 s; see .artifacts/e2e/logs/${name}.log`);
}

async function stopProcess({ child }: ServiceProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
