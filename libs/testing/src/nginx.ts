// A private nginx process for tests: a given http-level configuration on loopback, stopped after.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx binary, or undefined when nginx is not installed (Debian: apt-get install nginx). */
export function findNginx(): string | undefined {
  for (const candidate of ['nginx', ...CANDIDATES]) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

export interface NginxHandle {
  /** The folder nginx runs in (logs, temp files, the rendered nginx.conf). */
  readonly prefix: string;
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground with `httpBlock` as the body of its `http { }` context. The
 * caller's server blocks must listen on `waitForPort`, which is polled until it accepts.
 */
export async function startNginx(
  httpBlock: string,
  waitForPort: number,
  binary = findNginx(),
): Promise<NginxHandle> {
  if (binary === undefined)
    throw new Error('nginx is not installed (Debian: apt-get install nginx)');
  const prefix = await mkdtemp(join(tmpdir(), 'authflow-nginx-'));
  // Workers may run as an unprivileged user when the tests run as root: let them use the temp folders.
  await chmod(prefix, 0o755);
  for (const folder of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    await mkdir(join(prefix, folder), { mode: 0o777 });
    await chmod(join(prefix, folder), 0o777);
  }
  const conf = `
worker_processes 1;
error_log ${join(prefix, 'error.log')} warn;
pid ${join(prefix, 'nginx.pid')};
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
${httpBlock}
}
`;
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(confPath, conf);
  const child = spawn(binary, ['-p', prefix, '-c', confPath, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  await waitForListening(waitForPort, child, () => stderr);
  return {
    prefix,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGQUIT');
      await exited;
    },
  };
}

async function waitForListening(
  port: number,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not listen on ${port}: ${stderr()}`);
}
