// 2b. Static rules on the normalised Compose model.
import { existsSync, readFileSync } from 'node:fs';
import { BlockList, isIPv4 } from 'node:net';
import { join, resolve } from 'node:path';

import type { DockerfileFacts } from './dockerfiles.ts';
import { readEnvFile } from './env-file.ts';
import { fail, warn } from './findings.ts';
import { asArray, asObject, asString, type JsonObject, strings } from './json.ts';
import { parseUrl } from './secrets.ts';
import {
  EXPECTED_SERVICES,
  NGINX_ERROR_PAGES,
  NGINX_ERROR_PAGES_TARGET,
  NGINX_TEMPLATE,
  NODE_SERVICES,
  type NodeService,
  REPO,
  UNSAFE_NGINX_VALUE,
} from './settings.ts';

export function environmentOf(service: JsonObject): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of asArray(service.env_file)) {
    const path = asString(entry) ?? asString(asObject(entry).path);
    if (path !== undefined && existsSync(resolve(REPO, path))) {
      for (const [name, value] of readEnvFile(resolve(REPO, path)).vars) env.set(name, value);
    }
  }
  const environment = service.environment;
  if (Array.isArray(environment)) {
    for (const item of strings(environment)) {
      const equals = item.indexOf('=');
      if (equals > 0) env.set(item.slice(0, equals), item.slice(equals + 1));
    }
  } else {
    for (const [name, value] of Object.entries(asObject(environment))) {
      const text = asString(value);
      if (text !== undefined) env.set(name, text);
    }
  }
  return env;
}

export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}
export function mountsOf(service: JsonObject): Mount[] {
  return asArray(service.volumes).flatMap((entry): Mount[] => {
    const text = asString(entry);
    if (text !== undefined) {
      const [source = '', target = '', mode = ''] = text.split(':');
      return [{ source, target, readOnly: mode.split(',').includes('ro') }];
    }
    const long = asObject(entry);
    const target = asString(long.target);
    if (target === undefined) return [];
    return [{ source: asString(long.source) ?? '', target, readOnly: long.read_only === true }];
  });
}

export function publishedPorts(service: JsonObject): { published: string; target: string }[] {
  return asArray(service.ports).map((entry) => {
    const text = asString(entry);
    if (text !== undefined) {
      const parts = text.split(':');
      return { published: parts.at(-2) ?? '', target: (parts.at(-1) ?? '').replace(/\/.*$/u, '') };
    }
    const long = asObject(entry);
    return { published: asString(long.published) ?? '', target: asString(long.target) ?? '' };
  });
}

export function serviceNetworks(service: JsonObject): Map<string, JsonObject> {
  const networks = new Map<string, JsonObject>();
  if (Array.isArray(service.networks)) {
    for (const name of strings(service.networks)) networks.set(name, {});
  } else {
    for (const [name, value] of Object.entries(asObject(service.networks))) {
      networks.set(name, asObject(value));
    }
  }
  return networks;
}

export function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/gu)];
  if (parts.length === 0) return undefined;
  const unit: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1_000,
    ms: 1,
    us: 0.001,
    ns: 0.000_001,
  };
  return parts.reduce(
    (sum, [, amount = '0', name = 's']) => sum + Number(amount) * (unit[name] ?? 0),
    0,
  );
}

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
}
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText] = text.trim().split('/');
  if (!isIPv4(address)) return undefined;
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= 32 ? { address, prefix } : undefined;
}
export function contains(outer: Cidr, address: string): boolean {
  const list = new BlockList();
  list.addSubnet(outer.address, outer.prefix, 'ipv4');
  return isIPv4(address) && list.check(address, 'ipv4');
}
/** First and last address of a CIDR (enough to test that another CIDR covers it). */
export function bounds(cidr: Cidr): [string, string] {
  const value = cidr.address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - cidr.prefix);
  const first = value - (value % size);
  const toText = (n: number) =>
    [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
  return [toText(first), toText(first + size - 1)];
}
export function covers(entries: readonly string[], range: Cidr): boolean {
  const [first, last] = bounds(range);
  return entries.some((entry) => {
    const cidr = parseCidr(entry);
    return cidr !== undefined && contains(cidr, first) && contains(cidr, last);
  });
}

export function sameUrl(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.replace(/\/+$/u, '') === b.replace(/\/+$/u, '');
}

export function checkComposeModel(
  model: JsonObject,
  dockerfiles: Map<string, DockerfileFacts>,
): void {
  const where = 'docker-compose.yml';
  const services = asObject(model.services);
  for (const name of EXPECTED_SERVICES) {
    if (!(name in services)) fail(where, `service ${name} is missing`);
  }

  // Network: one subnet, a dynamic range, nginx's fixed address outside it.
  const network = asObject(asObject(model.networks).authflow);
  const ipam = asObject(asArray(asObject(network.ipam).config)[0]);
  const subnet = parseCidr(asString(ipam.subnet) ?? '');
  const ipRange = parseCidr(asString(ipam.ip_range) ?? '');
  if (subnet === undefined)
    fail(where, 'networks.authflow needs an explicit IPv4 subnet (ipam.config)');
  if (
    subnet !== undefined &&
    ipRange !== undefined &&
    !covers([`${subnet.address}/${subnet.prefix}`], ipRange)
  ) {
    fail(where, 'networks.authflow: ip_range lies outside the subnet');
  }

  for (const [name, value] of Object.entries(services)) {
    const service = asObject(value);
    const at = `${where}: services.${name}`;
    const isNode = NODE_SERVICES.some((node) => node.name === name);
    if (asString(service.restart) !== 'unless-stopped' && asString(service.restart) !== 'always') {
      fail(at, 'restart: unless-stopped is missing');
    }
    if (
      !strings(service.security_opt).some((option) =>
        /^no-new-privileges(?::true|=true)?$/u.test(option),
      )
    ) {
      fail(at, 'security_opt no-new-privileges:true is missing');
    }
    if (!strings(service.cap_drop).includes('ALL')) fail(at, 'cap_drop: [ALL] is missing');
    if (service.privileged === true) fail(at, 'runs privileged');
    if (!serviceNetworks(service).has('authflow')) fail(at, 'is not on the authflow network');
    if (asString(asObject(service.logging).driver) === undefined) {
      warn(at, 'no logging options (json-file without max-size grows without bound)');
    }

    const healthcheck = asObject(service.healthcheck);
    const test = strings(healthcheck.test);
    if (healthcheck.disable === true || test[0] === 'NONE') fail(at, 'its healthcheck is disabled');
    else if (test.length === 0 && !(dockerfiles.get(name)?.healthcheck ?? false)) {
      fail(at, 'has no healthcheck (neither in compose nor in its image)');
    }

    if (name !== 'nginx' && asArray(service.ports).length > 0) {
      fail(at, 'publishes ports: only nginx is reachable from the host');
    }
    if (isNode) checkNodeService(name, service, at);
  }

  checkData(asObject(services.redis), asObject(services.postgres));
  const envs = new Map<string, Map<string, string>>(
    Object.entries(services).map(([name, value]) => [name, environmentOf(asObject(value))]),
  );
  checkNginx(
    asObject(services.nginx),
    envs.get('nginx') ?? new Map<string, string>(),
    envs.get('gateway')?.get('GATEWAY_PORT') ?? '8000',
    subnet,
    ipRange,
  );
  checkSharedSettings(services, envs, subnet, ipRange, asString(ipam.gateway));
}

export function checkNodeService(name: string, service: JsonObject, at: string): void {
  const build = asObject(service.build);
  const context = asString(build.context);
  if (context === undefined || resolve(REPO, context) !== REPO) {
    fail(at, 'build.context must be the repository root (the images need the npm workspace)');
  }
  const dockerfile = asString(build.dockerfile) ?? 'Dockerfile';
  if (resolve(REPO, context ?? '.', dockerfile) !== join(REPO, 'services', name, 'Dockerfile')) {
    fail(at, `build.dockerfile must be services/${name}/Dockerfile`);
  }
  if (service.init !== true) fail(at, 'init: true is missing');
  if (service.read_only !== true) fail(at, 'read_only: true is missing');
  if (asArray(service.cap_add).length > 0)
    fail(at, 'adds capabilities (a Node service needs none)');
  const user = asString(service.user);
  if (user !== undefined && /^(root|0)(:|$)/u.test(user)) fail(at, 'runs as root');
  if (!strings(service.tmpfs).some((entry) => entry.split(':')[0] === '/tmp')) {
    warn(at, 'no tmpfs on /tmp (the root filesystem is read-only)');
  }
  if (asString(service.container_name) !== undefined) {
    fail(at, 'container_name prevents replicas and scaling');
  }
  const grace = durationMs(asString(service.stop_grace_period)) ?? 10_000;
  const prefix = NODE_SERVICES.find((node) => node.name === name)?.prefix ?? '';
  const drain = Number(environmentOf(service).get(`${prefix}_SHUTDOWN_DRAIN_MS`) ?? 10_000);
  if (grace <= drain) {
    fail(
      at,
      `stop_grace_period (${grace} ms) must exceed ${prefix}_SHUTDOWN_DRAIN_MS (${drain} ms)`,
    );
  }
}

export function checkData(redis: JsonObject, postgres: JsonObject): void {
  const where = 'docker-compose.yml';
  const command = strings(redis.command).join(' ') || (asString(redis.command) ?? '');
  if (!/appendonly\s+yes/u.test(command))
    fail(`${where}: services.redis`, 'AOF persistence (appendonly yes) is off');
  if (!/\$\$?\{?REDIS_PASSWORD\b/u.test(command)) {
    fail(`${where}: services.redis`, 'the command does not take the password from $REDIS_PASSWORD');
  }
  if (/--requirepass/u.test(command)) {
    warn(
      `${where}: services.redis`,
      '--requirepass on the command line is visible in ps; pass it on stdin',
    );
  }
  if (!mountsOf(redis).some((mount) => mount.target === '/data' && !mount.source.startsWith('/'))) {
    fail(`${where}: services.redis`, 'its data (/data) is not on a named volume');
  }
  const postgresEnv = environmentOf(postgres);
  if (
    postgresEnv.get('POSTGRES_USER') !== 'authflow' ||
    postgresEnv.get('POSTGRES_DB') !== 'authflow'
  ) {
    fail(`${where}: services.postgres`, 'POSTGRES_USER and POSTGRES_DB must be authflow');
  }
  const dataDir = postgresEnv.get('PGDATA') ?? '/var/lib/postgresql/data';
  if (
    !mountsOf(postgres).some((mount) => mount.target === dataDir && !mount.source.startsWith('/'))
  ) {
    fail(`${where}: services.postgres`, `its data (${dataDir}) is not on a named volume`);
  }
  if (!strings(asObject(postgres.healthcheck).test).some((part) => part.includes('pg_isready'))) {
    fail(`${where}: services.postgres`, 'the healthcheck should use pg_isready');
  }
}

export function checkNginx(
  nginx: JsonObject,
  env: Map<string, string>,
  gatewayPort: string,
  subnet: Cidr | undefined,
  ipRange: Cidr | undefined,
): void {
  const at = 'docker-compose.yml: services.nginx';
  const template = readFileSync(NGINX_TEMPLATE, 'utf8');
  const placeholders = [
    ...new Set([...template.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/gu)].map((m) => m[1] ?? '')),
  ];
  const runtimeVariables = new Set(
    [...template.matchAll(/\$([a-z_][a-z0-9_]*)/gu)].map((m) => m[1] ?? ''),
  );

  const mount = mountsOf(nginx).find((entry) => entry.target.startsWith('/etc/nginx/templates/'));
  if (mount === undefined || resolve(REPO, mount.source) !== NGINX_TEMPLATE) {
    fail(at, 'nginx/authflow.conf.template is not mounted into /etc/nginx/templates/');
  } else {
    if (!mount.target.endsWith('.conf.template'))
      fail(at, 'the template must be mounted as <name>.conf.template');
    if (!mount.readOnly) fail(at, 'mount the template read-only (:ro)');
  }
  // The template's error_page answers are files it serves from its prefix's folder.
  const pages = mountsOf(nginx).find((entry) => entry.target === NGINX_ERROR_PAGES_TARGET);
  if (pages === undefined || resolve(REPO, pages.source) !== NGINX_ERROR_PAGES) {
    fail(
      at,
      `nginx/error-pages is not mounted at ${NGINX_ERROR_PAGES_TARGET}: the edge's error pages would be missing`,
    );
  } else if (!pages.readOnly) fail(at, 'mount the error pages read-only (:ro)');

  const filterText = env.get('NGINX_ENVSUBST_FILTER');
  let filter: RegExp | undefined;
  try {
    filter = filterText === undefined ? undefined : new RegExp(filterText, 'u');
  } catch {
    fail(at, 'NGINX_ENVSUBST_FILTER is not a valid regular expression');
  }
  if (filter === undefined) {
    warn(at, 'no NGINX_ENVSUBST_FILTER: envsubst would substitute every environment variable');
  }
  for (const name of placeholders) {
    const value = env.get(name);
    if (value === undefined || value === '') {
      fail(
        at,
        `\${${name}} in the template has no value: the image leaves it in place and nginx refuses the configuration`,
      );
    } else if (UNSAFE_NGINX_VALUE.test(value)) {
      fail(at, `${name} is not a single nginx word (no spaces, quotes, ; { } # $ or \\)`);
    }
    if (filter !== undefined && !filter.test(name)) {
      fail(at, `${name} does not match NGINX_ENVSUBST_FILTER, so it would not be substituted`);
    }
  }
  for (const name of env.keys()) {
    if (runtimeVariables.has(name) && (filter === undefined || filter.test(name))) {
      fail(at, `the variable ${name} would replace nginx's own $${name} in the template`);
    }
    if (!placeholders.includes(name) && !name.startsWith('NGINX_')) {
      fail(at, `${name} is not a placeholder of the template (typo?)`);
    }
  }

  const edgePort = env.get('EDGE_PORT') ?? '';
  if (!/^\d+$/u.test(edgePort))
    fail(at, 'EDGE_PORT must be a bare port in the container (no address)');
  const ports = publishedPorts(nginx);
  if (!ports.some((port) => port.target === edgePort)) {
    fail(at, `no published port maps to EDGE_PORT (${edgePort})`);
  }
  if (env.get('AUTHFLOW_GATEWAY_ADDRESS') !== `gateway:${gatewayPort}`) {
    warn(at, `AUTHFLOW_GATEWAY_ADDRESS should be gateway:${gatewayPort} (every replica)`);
  }
  const dependsOn = asObject(asObject(nginx.depends_on).gateway);
  if (asString(dependsOn.condition) !== 'service_healthy') {
    fail(at, 'must wait for a healthy gateway (nginx resolves its address once, at start)');
  }
  if (nginx.read_only === true) {
    const tmpfs = strings(nginx.tmpfs).map((entry) => entry.split(':')[0]);
    for (const path of ['/etc/nginx/conf.d', '/var/cache/nginx']) {
      if (!tmpfs.includes(path)) fail(at, `read_only needs a tmpfs on ${path}`);
    }
    if (!tmpfs.includes('/run') && !tmpfs.includes('/var/run'))
      fail(at, 'read_only needs a tmpfs on /run');
  }
  const address = asString(serviceNetworks(nginx).get('authflow')?.ipv4_address);
  if (address === undefined) {
    fail(at, 'needs a fixed ipv4_address, which GATEWAY_TRUSTED_PROXIES names');
  } else if (subnet !== undefined && !contains(subnet, address)) {
    fail(at, `ipv4_address ${address} is outside the subnet`);
  } else if (ipRange !== undefined && contains(ipRange, address)) {
    fail(
      at,
      `ipv4_address ${address} lies inside ip_range, where Docker may give it to another container`,
    );
  }
}

export function checkSharedSettings(
  services: JsonObject,
  envs: Map<string, Map<string, string>>,
  subnet: Cidr | undefined,
  ipRange: Cidr | undefined,
  hostAddress: string | undefined,
): void {
  const gateway = envs.get('gateway') ?? new Map<string, string>();
  const auth = envs.get('auth') ?? new Map<string, string>();
  const backend = envs.get('sample-backend') ?? new Map<string, string>();
  const at = (service: string) => `docker-compose.yml: services.${service} (environment)`;
  const port = (service: NodeService) =>
    envs.get(service.name)?.get(`${service.prefix}_PORT`) ?? String(service.defaultPort);
  const [gatewayService, authService, backendService] = NODE_SERVICES as [
    NodeService,
    NodeService,
    NodeService,
  ];

  for (const service of NODE_SERVICES) {
    const env = envs.get(service.name);
    if (env?.get(`${service.prefix}_HOST`) !== '0.0.0.0') {
      fail(at(service.name), `${service.prefix}_HOST must be 0.0.0.0 in a container`);
    }
  }
  for (const name of ['AUTHFLOW_HANDOFF_SECRET', 'REDIS_URL']) {
    if (gateway.get(name) === undefined || auth.get(name) === undefined) {
      fail(at('gateway/auth'), `${name} must reach both the gateway and auth`);
    } else if (gateway.get(name) !== auth.get(name)) {
      fail(at('gateway/auth'), `${name} differs between the gateway and auth`);
    }
  }
  if (auth.get('AUTH_DATABASE_URL') === undefined) fail(at('auth'), 'AUTH_DATABASE_URL is not set');
  if (gateway.has('AUTH_DATABASE_URL'))
    fail(at('gateway'), 'receives AUTH_DATABASE_URL, which only auth needs');
  if (auth.get('AUTH_ENCRYPTION_KEY') === undefined)
    fail(
      at('auth'),
      'AUTH_ENCRYPTION_KEY is not set (second-factor secrets; node deploy/generate-secrets.ts adds it)',
    );
  if (gateway.has('AUTH_ENCRYPTION_KEY'))
    fail(at('gateway'), 'receives AUTH_ENCRYPTION_KEY, which only auth needs');

  const publicUrl = gateway.get('GATEWAY_PUBLIC_URL');
  if (!sameUrl(auth.get('AUTH_GATEWAY_ISSUER') ?? auth.get('AUTH_PUBLIC_URL'), publicUrl)) {
    fail(at('auth'), 'AUTH_GATEWAY_ISSUER must equal GATEWAY_PUBLIC_URL');
  }
  if (!sameUrl(backend.get('SAMPLE_BACKEND_ASSERTION_ISSUER'), publicUrl)) {
    fail(at('sample-backend'), 'SAMPLE_BACKEND_ASSERTION_ISSUER must equal GATEWAY_PUBLIC_URL');
  }
  const publicOrigin = parseUrl(publicUrl)?.origin;
  if (
    publicOrigin === undefined ||
    parseUrl(auth.get('AUTH_PUBLIC_URL'))?.origin !== publicOrigin
  ) {
    fail(at('auth'), 'AUTH_PUBLIC_URL must have the origin of GATEWAY_PUBLIC_URL (the edge)');
  }
  const publicParsed = parseUrl(publicUrl);
  const edgePublished = publishedPorts(asObject(services.nginx))[0]?.published;
  if (
    publicParsed !== undefined &&
    ['localhost', '127.0.0.1'].includes(publicParsed.hostname) &&
    edgePublished !== undefined &&
    (publicParsed.port || (publicParsed.protocol === 'https:' ? '443' : '80')) !== edgePublished
  ) {
    fail(
      at('gateway'),
      `GATEWAY_PUBLIC_URL's port is not the published edge port ${edgePublished}`,
    );
  }

  const jwks = `http://gateway:${port(gatewayService)}/.well-known/jwks.json`;
  if (auth.get('AUTH_GATEWAY_JWKS_URL') !== jwks)
    fail(at('auth'), `AUTH_GATEWAY_JWKS_URL must be ${jwks}`);
  if (backend.get('SAMPLE_BACKEND_GATEWAY_JWKS_URL') !== jwks) {
    fail(at('sample-backend'), `SAMPLE_BACKEND_GATEWAY_JWKS_URL must be ${jwks}`);
  }
  const authUpstream = `http://auth:${port(authService)}`;
  const backendUpstream = `http://sample-backend:${port(backendService)}`;
  if (!sameUrl(gateway.get('AUTH_UPSTREAM_URL'), authUpstream)) {
    fail(at('gateway'), `AUTH_UPSTREAM_URL must be ${authUpstream}`);
  }
  if (!sameUrl(gateway.get('SAMPLE_BACKEND_UPSTREAM_URL'), backendUpstream)) {
    fail(at('gateway'), `SAMPLE_BACKEND_UPSTREAM_URL must be ${backendUpstream}`);
  }
  if ((backend.get('SAMPLE_BACKEND_ASSERTION_AUDIENCE') ?? 'sample-backend') !== 'sample-backend') {
    fail(
      at('sample-backend'),
      'SAMPLE_BACKEND_ASSERTION_AUDIENCE must be its upstream name, sample-backend',
    );
  }
  if ((auth.get('AUTH_ASSERTION_AUDIENCE') ?? 'auth') !== 'auth') {
    fail(at('auth'), 'AUTH_ASSERTION_AUDIENCE must be its upstream name, auth');
  }

  // Signing keys: a compose secret every replica reads.
  const gatewayCompose = asObject(services.gateway);
  const secretTargets = asArray(gatewayCompose.secrets).map((entry) => {
    const short = asString(entry);
    const long = asObject(entry);
    return short ?? asString(long.target) ?? asString(long.source) ?? '';
  });
  const keysFile = gateway.get('GATEWAY_SIGNING_KEYS_FILE');
  if (keysFile === undefined) {
    fail(
      at('gateway'),
      'GATEWAY_SIGNING_KEYS_FILE is unset: every replica would sign with its own key',
    );
  } else if (
    !secretTargets.some(
      (target) => keysFile === (target.startsWith('/') ? target : `/run/secrets/${target}`),
    )
  ) {
    fail(
      at('gateway'),
      'GATEWAY_SIGNING_KEYS_FILE does not name a secret mounted into the gateway',
    );
  }
  const replicas = Number(asObject(gatewayCompose.deploy).replicas ?? 1);
  if (replicas < 2)
    fail('docker-compose.yml: services.gateway', 'deploy.replicas must be at least 2');
  const gatewayDepends = asObject(gatewayCompose.depends_on);
  if (asString(asObject(gatewayDepends.redis).condition) !== 'service_healthy') {
    fail('docker-compose.yml: services.gateway', 'must wait for a healthy redis');
  }
  const authDepends = asObject(asObject(services.auth).depends_on);
  for (const dependency of ['redis', 'postgres']) {
    if (asString(asObject(authDepends[dependency]).condition) !== 'service_healthy') {
      fail('docker-compose.yml: services.auth', `must wait for a healthy ${dependency}`);
    }
  }

  // Trusted proxies against the network.
  if (subnet === undefined || ipRange === undefined) return;
  const nginxAddress = asString(
    serviceNetworks(asObject(services.nginx)).get('authflow')?.ipv4_address,
  );
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  const gatewayTrust = list(gateway.get('GATEWAY_TRUSTED_PROXIES'));
  if (nginxAddress !== undefined && !gatewayTrust.some((entry) => trusts(entry, nginxAddress))) {
    fail(at('gateway'), `GATEWAY_TRUSTED_PROXIES must include the edge (${nginxAddress})`);
  }
  if (covers(gatewayTrust, ipRange)) {
    warn(at('gateway'), 'GATEWAY_TRUSTED_PROXIES trusts every container, not only the edge');
  }
  const authTrust = list(auth.get('AUTH_TRUSTED_PROXIES'));
  const nginxTrusted =
    nginxAddress === undefined || authTrust.some((entry) => trusts(entry, nginxAddress));
  if (!covers(authTrust, ipRange) || !nginxTrusted) {
    fail(
      at('auth'),
      'AUTH_TRUSTED_PROXIES must cover the gateway replicas (ip_range) and the edge: otherwise auth ' +
        'derives another client IP than the gateway, and device checks fail',
    );
  }
  const backendTrust = list(backend.get('SAMPLE_BACKEND_TRUSTED_PROXIES'));
  if (!covers(backendTrust, ipRange)) {
    warn(
      at('sample-backend'),
      'SAMPLE_BACKEND_TRUSTED_PROXIES does not cover the gateway replicas',
    );
  }
  // The network's gateway address is the host: trusting it lets any local process, which can
  // reach the containers' addresses directly, claim any client IP.
  const trusted: [string, string[]][] = [
    ['gateway', gatewayTrust],
    ['auth', authTrust],
    ['sample-backend', backendTrust],
  ];
  for (const [service, entries] of trusted) {
    for (const invalid of entries.filter((entry) => parseCidr(entry) === undefined)) {
      fail(at(service), `trusted proxy ${invalid} is not an IPv4 address or CIDR`);
    }
    if (hostAddress !== undefined && entries.some((entry) => trusts(entry, hostAddress))) {
      warn(at(service), `its trusted proxies include the host's address ${hostAddress}`);
    }
  }
}

export function trusts(entry: string, address: string): boolean {
  const cidr = parseCidr(entry);
  return cidr !== undefined && contains(cidr, address);
}
