// Runs Debian's nginx (or whichever is found) in the foreground on the rendered configuration.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Child, ProcessGroup } from './process-group.ts';
import { assertPortFree } from './ports.ts';
import { listening, waitUntilReady } from './readiness.ts';
import { type NginxPorts, type NginxUpstreams, renderNginxConf } from './nginx-config.ts';

const CANDIDATES = [
  'nginx',
  '/usr/sbin/nginx',
  '/usr/local/sbin/nginx',
  '/usr/local/nginx/sbin/nginx',
];

export function findNginx(): string | undefined {
  for (const candidate of CANDIDATES) {
    const probe = spawnSync(candidate, ['-v'], { stdio: 'ignore' });
    if (probe.error === undefined && probe.status === 0) return candidate;
  }
  return undefined;
}

export function nginxVersion(binary: string): string {
  const probe = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  return probe.stderr.trim().replace(/^nginx version:\s*/u, '');
}

export async function startNginx(
  group: ProcessGroup,
  binary: string,
  prefix: string,
  ports: NginxPorts,
  upstreams: NginxUpstreams,
): Promise<Child> {
  const listeners: readonly (readonly [string, number])[] = [
    ['proxy', ports.proxy],
    ['return 204', ports.noContent],
    ['auth_request', ports.authRequest],
    ['edge', ports.edge],
    ['verify', ports.verify],
  ];
  for (const [name, port] of listeners) await assertPortFree(port, `nginx ${name}`);
  await mkdir(prefix, { recursive: true });
  // Workers run as an unprivileged user when nginx starts as root: they need the temp folders.
  await chmod(prefix, 0o755);
  for (const folder of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    await mkdir(join(prefix, folder), { recursive: true });
    await chmod(join(prefix, folder), 0o777);
  }
  const confPath = join(prefix, 'nginx.conf');
  const errorLog = join(group.logDir, 'nginx-error.log');
  await writeFile(confPath, renderNginxConf(prefix, errorLog, ports, upstreams));
  const check = spawnSync(binary, ['-p', prefix, '-c', confPath, '-e', errorLog, '-t'], {
    encoding: 'utf8',
  });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
  const child = group.start(
    'nginx',
    binary,
    ['-p', prefix, '-c', confPath, '-e', errorLog, '-g', 'daemon off;'],
    { role: 'server', stopSignal: 'SIGQUIT' },
  );
  for (const [, port] of listeners) await waitUntilReady(child, listening(port));
  return child;
}
