// Validates the container path without a Docker engine:
//
//   node deploy/check-compose.ts
//
// 1. Secrets: uses deploy/secrets/ (or AUTHFLOW_SECRETS_DIR) when complete, and checks that they
//    fit together; otherwise generates throwaway ones into a temporary folder, so a clean clone
//    (CI) validates without writing secrets into the repository.
// 2. Compose: `docker-compose config -q` (Compose v1; its schema predates the top-level `name`,
//    so it reads a copy without that line) and/or `docker compose config -q` (v2), whichever is
//    installed; then static rules on the normalised model: hardening of every service, no
//    published Redis/Postgres ports, every nginx template placeholder provided, the trusted
//    proxies against the network, and the settings the services must share.
// 3. Env files: deploy/env/*.env and the secrets parse the same under every Compose version,
//    hold no secrets where they are committed, and name only variables the services read.
// 4. Dockerfiles: a small linter (hadolint is not packaged in Debian) for the three services.
//
// Exits 1 with every problem listed. Never prints a secret value. Runs on Node's type stripping
// with node: imports only (python3's yaml module, which Compose v1 itself depends on, converts
// v1's YAML output to JSON).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { BlockList, isIPv4 } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');
const COMPOSE_FILE = join(REPO, 'docker-compose.yml');
const GENERATOR = join(REPO, 'deploy', 'generate-secrets.ts');
const NGINX_TEMPLATE = join(REPO, 'nginx', 'authflow.conf.template');
const DEFAULT_SECRETS_DIR = join(REPO, 'deploy', 'secrets');
const ENV_DIR = join(REPO, 'deploy', 'env');

const PROJECT_NAME = 'authflow';
const SECRET_ENV_FILES = ['authflow.env', 'auth.env', 'redis.env', 'postgres.env'] as const;
const SIGNING_KEYS_FILE = 'gateway-signing-keys.json';
const SECRET_FILES = [...SECRET_ENV_FILES, SIGNING_KEYS_FILE];

interface NodeService {
  readonly name: 'gateway' | 'auth' | 'sample-backend';
  /** Prefix of its variables: GATEWAY_HOST, AUTH_PORT, SAMPLE_BACKEND_SHUTDOWN_DRAIN_MS... */
  readonly prefix: string;
  readonly defaultPort: number;
}
const NODE_SERVICES: readonly NodeService[] = [
  { name: 'gateway', prefix: 'GATEWAY', defaultPort: 8000 },
  { name: 'auth', prefix: 'AUTH', defaultPort: 8001 },
  { name: 'sample-backend', prefix: 'SAMPLE_BACKEND', defaultPort: 8002 },
];
const EXPECTED_SERVICES = ['redis', 'postgres', 'auth', 'gateway', 'sample-backend', 'nginx'];
/** Top-level folders of a service that are not needed at run time (everything else must ship). */
const NOT_RUNTIME = new Set([
  'src',
  'test',
  'tests',
  'dist',
  'node_modules',
  'coverage',
  'examples',
]);
/** nginx's rule for a rendered value (nginx/render-config.ts): one word, nothing that ends it. */
const UNSAFE_NGINX_VALUE = /[\s;{}"'#$\\]/u;

// --- findings ----------------------------------------------------------------------------------

interface Finding {
  readonly level: 'error' | 'warning';
  readonly where: string;
  readonly message: string;
}
const findings: Finding[] = [];
const notes: string[] = [];

function report(finding: Finding): void {
  // An env file read for several services reports its problems once.
  const seen = findings.some(
    (other) => other.where === finding.where && other.message === finding.message,
  );
  if (!seen) findings.push(finding);
}
function fail(where: string, message: string): void {
  report({ level: 'error', where, message });
}
function warn(where: string, message: string): void {
  report({ level: 'warning', where, message });
}
function note(message: string): void {
  notes.push(message);
}
function shown(path: string): string {
  const fromRepo = relative(REPO, path);
  return fromRepo !== '' && !fromRepo.startsWith('..') && !isAbsolute(fromRepo) ? fromRepo : path;
}

// --- JSON model helpers ------------------------------------------------------------------------

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = Record<string, Json>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function asObject(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}
function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}
function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
function strings(value: unknown): string[] {
  return asArray(value).flatMap((item) => {
    const text = asString(item);
    return text === undefined ? [] : [text];
  });
}

// --- env files ---------------------------------------------------------------------------------

interface EnvFile {
  readonly path: string;
  readonly vars: Map<string, string>;
}

/**
 * Reads NAME=value lines the way every consumer agrees on. Compose v1 (python-dotenv), v2 and
 * `docker run --env-file` differ on quotes, inline comments and surrounding spaces: those are
 * reported, by line number and name only (values may be secrets).
 */
function readEnvFile(path: string): EnvFile {
  const vars = new Map<string, string>();
  const where = shown(path);
  const lines = readFileSync(path, 'utf8').split(/\r?\n/u);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `${where}:${index + 1}`;
    const equals = raw.indexOf('=');
    if (equals < 0) {
      fail(at, 'not a NAME=value line');
      return;
    }
    const name = raw.slice(0, equals);
    const value = raw.slice(equals + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/u.test(name)) {
      fail(at, `"${name.trim()}" is not a plain variable name (no spaces, no "export")`);
      return;
    }
    if (/^\s|\s$/u.test(value)) fail(at, `${name}: spaces around the value`);
    if (/^["']/u.test(value))
      fail(at, `${name}: quoted value (docker run --env-file keeps quotes)`);
    if (/\s#/u.test(value)) fail(at, `${name}: comment after the value (put it on its own line)`);
    if (vars.has(name)) fail(at, `${name} is set twice`);
    vars.set(name, value);
  });
  return { path, vars };
}

// --- 1. secrets --------------------------------------------------------------------------------

interface Secrets {
  readonly dir: string;
  readonly temporary: boolean;
  readonly cleanup: () => void;
}

function prepareSecrets(): Secrets | undefined {
  const configured = process.env.AUTHFLOW_SECRETS_DIR;
  const dir =
    configured !== undefined && configured !== '' ? resolve(REPO, configured) : DEFAULT_SECRETS_DIR;
  const present = SECRET_FILES.filter((file) => existsSync(join(dir, file)));
  if (present.length === SECRET_FILES.length) {
    note(`secrets: using ${shown(dir)}/`);
    return { dir, temporary: false, cleanup: () => undefined };
  }
  if (present.length > 0) {
    warn(
      shown(dir),
      `incomplete secrets (missing ${SECRET_FILES.filter((file) => !present.includes(file)).join(', ')}): ` +
        'docker compose up would fail. Validating with throwaway secrets instead.',
    );
  }
  const scratch = mkdtempSync(join(tmpdir(), 'authflow-secrets-'));
  const out = join(scratch, 'secrets');
  const result = spawnSync(process.execPath, [GENERATOR, '--out', out], { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    fail(shown(GENERATOR), `failed: ${(result.stderr || result.stdout).trim()}`);
    return undefined;
  }
  note(
    `secrets: none in ${shown(dir)}/, so throwaway ones were generated in a temporary folder ` +
      '(nothing written to the repository)',
  );
  return {
    dir: out,
    temporary: true,
    cleanup: () => {
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The secrets must fit each other and the compose stack; names only in every message. */
function checkSecrets(dir: string, temporary: boolean): Map<string, EnvFile> {
  const files = new Map<string, EnvFile>();
  for (const name of SECRET_ENV_FILES) files.set(name, readEnvFile(join(dir, name)));
  const get = (file: string, variable: string): string | undefined =>
    files.get(file)?.vars.get(variable);
  const where = (file: string) => (temporary ? `(generated) ${file}` : shown(join(dir, file)));

  const handoff = get('authflow.env', 'AUTHFLOW_HANDOFF_SECRET');
  if (handoff === undefined || handoff.length < 32) {
    fail(where('authflow.env'), 'AUTHFLOW_HANDOFF_SECRET is missing or shorter than 32 characters');
  }
  const redisPassword = get('redis.env', 'REDIS_PASSWORD');
  if (redisPassword === undefined || redisPassword === '') {
    fail(where('redis.env'), 'REDIS_PASSWORD is missing');
  }
  const redisUrl = parseUrl(get('authflow.env', 'REDIS_URL'));
  if (redisUrl === undefined || !['redis:', 'rediss:'].includes(redisUrl.protocol)) {
    fail(where('authflow.env'), 'REDIS_URL is missing or not a redis:// URL');
  } else {
    if (redisUrl.host !== 'redis:6379') {
      warn(where('authflow.env'), 'REDIS_URL does not point at the compose service redis:6379');
    }
    if (decodeURIComponent(redisUrl.password) !== redisPassword) {
      fail(where('authflow.env'), "REDIS_URL's password differs from REDIS_PASSWORD in redis.env");
    }
  }
  const postgresPassword = get('postgres.env', 'POSTGRES_PASSWORD');
  if (postgresPassword === undefined || postgresPassword === '') {
    fail(where('postgres.env'), 'POSTGRES_PASSWORD is missing');
  }
  const databaseUrl = parseUrl(get('auth.env', 'AUTH_DATABASE_URL'));
  if (databaseUrl === undefined || !['postgres:', 'postgresql:'].includes(databaseUrl.protocol)) {
    fail(where('auth.env'), 'AUTH_DATABASE_URL is missing or not a postgres:// URL');
  } else {
    if (databaseUrl.host !== 'postgres:5432' || databaseUrl.pathname !== '/authflow') {
      warn(where('auth.env'), 'AUTH_DATABASE_URL does not name postgres:5432/authflow');
    }
    if (decodeURIComponent(databaseUrl.username) !== 'authflow') {
      fail(where('auth.env'), 'AUTH_DATABASE_URL does not use the user authflow (POSTGRES_USER)');
    }
    if (decodeURIComponent(databaseUrl.password) !== postgresPassword) {
      fail(where('auth.env'), "AUTH_DATABASE_URL's password differs from POSTGRES_PASSWORD");
    }
  }
  checkSigningKeys(join(dir, SIGNING_KEYS_FILE), where(SIGNING_KEYS_FILE));

  if (!temporary && process.platform !== 'win32') {
    if ((statSync(dir).mode & 0o077) !== 0) {
      warn(shown(dir), 'other users of this machine may enter the secrets folder: chmod 700 it');
    }
    for (const name of SECRET_ENV_FILES) {
      if ((statSync(join(dir, name)).mode & 0o077) !== 0) {
        warn(where(name), 'readable by other users: chmod 600 it');
      }
    }
    if ((statSync(join(dir, SIGNING_KEYS_FILE)).mode & 0o004) === 0) {
      warn(
        where(SIGNING_KEYS_FILE),
        'not world-readable: compose bind-mounts it with its host owner and mode, and the ' +
          'gateway runs as uid 1000 ("node"). Unless that uid owns it, the gateway cannot read it ' +
          '(chmod 644; the 700 folder keeps it private on the host)',
      );
    }
  }
  return files;
}

function checkSigningKeys(path: string, where: string): void {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    fail(where, 'not valid JSON');
    return;
  }
  const activeKid = asString(asObject(document).activeKid);
  const keys = asArray(asObject(document).keys).map(asObject);
  const active = keys.find((key) => asString(key.kid) === activeKid);
  if (activeKid === undefined || active === undefined) {
    fail(where, 'activeKid is missing or names none of the keys');
    return;
  }
  try {
    const pem = asString(active.pem);
    const jwk = asObject(active.jwk) as JsonWebKey;
    const key =
      pem !== undefined ? createPrivateKey(pem) : createPrivateKey({ key: jwk, format: 'jwk' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      fail(where, `the active key ${activeKid} is not an EC P-256 key (ES256)`);
    }
  } catch {
    fail(where, `the active key ${activeKid} has no readable private key (PKCS#8 PEM or JWK)`);
  }
}

function parseUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

// --- 2. compose --------------------------------------------------------------------------------

interface ComposeTool {
  readonly label: string;
  readonly command: string;
  readonly baseArgs: readonly string[];
  /** Compose v1: no top-level `name`, no `config --format json`. */
  readonly legacy: boolean;
}

function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd: REPO,
    encoding: 'utf8',
    env: options.env ?? process.env,
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
  });
}

function findComposeTools(): ComposeTool[] {
  const tools: ComposeTool[] = [];
  const standalone = run('docker-compose', ['version', '--short']);
  if (standalone.status === 0) {
    const version = standalone.stdout.trim();
    tools.push({
      label: `docker-compose ${version}`,
      command: 'docker-compose',
      baseArgs: [],
      legacy: version.startsWith('1.'),
    });
  }
  const plugin = run('docker', ['compose', 'version', '--short']);
  if (plugin.status === 0) {
    tools.push({
      label: `docker compose ${plugin.stdout.trim()}`,
      command: 'docker',
      baseArgs: ['compose'],
      legacy: false,
    });
  }
  // Compose v2 first: its JSON model needs no conversion.
  return tools.sort((a, b) => Number(a.legacy) - Number(b.legacy));
}

/** Runs `config -q` with every tool found; returns the normalised model as JSON. */
function validateCompose(secretsDir: string): JsonObject | undefined {
  const where = 'docker-compose.yml';
  const raw = readFileSync(COMPOSE_FILE, 'utf8');
  if (!new RegExp(`^name:\\s*${PROJECT_NAME}\\s*$`, 'mu').test(raw)) {
    fail(where, `the top-level "name: ${PROJECT_NAME}" is missing`);
  }
  if (/^version\s*:/mu.test(raw))
    fail(where, 'has a "version:" key (obsolete in the Compose spec)');

  const tools = findComposeTools();
  if (tools.length === 0) {
    fail(
      where,
      'neither docker-compose nor the docker compose plugin is installed ' +
        '(Debian: apt-get install docker-compose), so the file cannot be validated',
    );
    return undefined;
  }
  const env = { ...process.env, AUTHFLOW_SECRETS_DIR: secretsDir };
  const scratch = mkdtempSync(join(tmpdir(), 'authflow-compose-'));
  try {
    // Compose v1's schema rejects the top-level `name`; a copy without that one line, resolved
    // against the repository (--project-directory), is otherwise the same file.
    const legacyCopy = join(scratch, 'docker-compose.yml');
    writeFileSync(legacyCopy, raw.replace(/^name:.*$/mu, ''));
    const argsFor = (tool: ComposeTool, ...rest: string[]) =>
      tool.legacy
        ? [...tool.baseArgs, '--project-directory', REPO, '-f', legacyCopy, ...rest]
        : [...tool.baseArgs, '-f', COMPOSE_FILE, ...rest];

    let model: JsonObject | undefined;
    for (const tool of tools) {
      const result = run(tool.command, argsFor(tool, 'config', '-q'), { env });
      if (result.status !== 0) {
        fail(where, `${tool.label} config -q failed:\n${indent(result.stderr.trim())}`);
        continue;
      }
      note(
        `compose: ${tool.label} config -q passed${tool.legacy ? ' (copy without "name:")' : ''}`,
      );
      model ??= readModel(
        tool,
        argsFor(tool, 'config', ...(tool.legacy ? [] : ['--format', 'json'])),
        env,
      );
    }
    return model;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function readModel(
  tool: ComposeTool,
  args: string[],
  env: NodeJS.ProcessEnv,
): JsonObject | undefined {
  const where = 'docker-compose.yml';
  const result = run(tool.command, args, { env });
  if (result.status !== 0) {
    fail(where, `${tool.label} config failed:\n${indent(result.stderr.trim())}`);
    return undefined;
  }
  let json = result.stdout;
  if (tool.legacy) {
    // v1 prints YAML only; python3-yaml is one of its own dependencies.
    const converted = run(
      'python3',
      ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
      { input: result.stdout },
    );
    if (converted.status !== 0) {
      fail(where, 'cannot read the normalised model: python3 with the yaml module is needed');
      return undefined;
    }
    json = converted.stdout;
  }
  try {
    const parsed: unknown = JSON.parse(json);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    fail(where, `${tool.label} config printed no readable model`);
    return undefined;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** A service's environment as the container gets it: env_file entries, then `environment`. */
function environmentOf(service: JsonObject): Map<string, string> {
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

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}
function mountsOf(service: JsonObject): Mount[] {
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

function publishedPorts(service: JsonObject): { published: string; target: string }[] {
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

function serviceNetworks(service: JsonObject): Map<string, JsonObject> {
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

function durationMs(text: string | undefined): number | undefined {
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

interface Cidr {
  readonly address: string;
  readonly prefix: number;
}
function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText] = text.trim().split('/');
  if (!isIPv4(address)) return undefined;
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= 32 ? { address, prefix } : undefined;
}
function contains(outer: Cidr, address: string): boolean {
  const list = new BlockList();
  list.addSubnet(outer.address, outer.prefix, 'ipv4');
  return isIPv4(address) && list.check(address, 'ipv4');
}
/** First and last address of a CIDR (enough to test that another CIDR covers it). */
function bounds(cidr: Cidr): [string, string] {
  const value = cidr.address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - cidr.prefix);
  const first = value - (value % size);
  const toText = (n: number) =>
    [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
  return [toText(first), toText(first + size - 1)];
}
function covers(entries: readonly string[], range: Cidr): boolean {
  const [first, last] = bounds(range);
  return entries.some((entry) => {
    const cidr = parseCidr(entry);
    return cidr !== undefined && contains(cidr, first) && contains(cidr, last);
  });
}

function sameUrl(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.replace(/\/+$/u, '') === b.replace(/\/+$/u, '');
}

function checkComposeModel(model: JsonObject, dockerfiles: Map<string, DockerfileFacts>): void {
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

function checkNodeService(name: string, service: JsonObject, at: string): void {
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

function checkData(redis: JsonObject, postgres: JsonObject): void {
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

function checkNginx(
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

function checkSharedSettings(
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

  // Settings the gateway and auth must agree on (a mismatch breaks sign-in in odd ways).
  const pairs: [string, string, string][] = [
    ['GATEWAY_COOKIE_SECURE', 'AUTH_COOKIE_SECURE', 'true'],
    ['GATEWAY_SESSION_IDLE_TTL_SECONDS', 'AUTH_SESSION_IDLE_TTL_SECONDS', '3600'],
    ['GATEWAY_SESSION_ABSOLUTE_TTL_SECONDS', 'AUTH_SESSION_ABSOLUTE_TTL_SECONDS', '604800'],
    ['AUTHFLOW_FINGERPRINT_IP_GRANULARITY', 'AUTHFLOW_FINGERPRINT_IP_GRANULARITY', 'prefix'],
  ];
  for (const [gatewayName, authName, fallback] of pairs) {
    const a = (gateway.get(gatewayName) ?? fallback).toLowerCase();
    const b = (auth.get(authName) ?? fallback).toLowerCase();
    if (a !== b) fail(at('gateway/auth'), `${gatewayName} (gateway) and ${authName} (auth) differ`);
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

function trusts(entry: string, address: string): boolean {
  const cidr = parseCidr(entry);
  return cidr !== undefined && contains(cidr, address);
}

// --- 3. env files ------------------------------------------------------------------------------

/** The variables a service reads: its zod schema's keys (and the gateway's routes file). */
function knownVariables(service: string): Set<string> | undefined {
  const schema = join(REPO, 'services', service, 'src', 'config', 'config.schema.ts');
  if (!existsSync(schema)) return undefined;
  const names = new Set(
    [...readFileSync(schema, 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+):\s*env\./gmu)].map(
      (m) => m[1] ?? '',
    ),
  );
  if (service === 'gateway') {
    const routes = join(REPO, 'services', 'gateway', 'config', 'routes.yaml');
    if (existsSync(routes)) {
      for (const match of readFileSync(routes, 'utf8').matchAll(/\$\{([A-Z][A-Z0-9_]*)/gu))
        names.add(match[1] ?? '');
    }
  }
  return names.size > 0 ? names : undefined;
}

function checkEnvFiles(secretFiles: Map<string, EnvFile>): void {
  const consumers: Record<string, string[]> = {
    'gateway.env': ['gateway'],
    'auth.env': ['auth'],
    'sample-backend.env': ['sample-backend'],
  };
  const secretConsumers: Record<string, string[]> = {
    'authflow.env': ['gateway', 'auth'],
    'auth.env': ['auth'],
  };
  for (const file of readdirSync(ENV_DIR).filter((name) => name.endsWith('.env'))) {
    const envFile = readEnvFile(join(ENV_DIR, file));
    const where = shown(envFile.path);
    for (const [name, value] of envFile.vars) {
      const secretName =
        /(SECRET|PASSWORD|PASSWD|TOKEN|_KEY)$/u.test(name) && !value.startsWith('/');
      if (secretName || /:\/\/[^/@\s]*:[^/@\s]*@/u.test(value)) {
        fail(
          where,
          `${name} looks like a secret: it belongs in deploy/secrets/, not in a committed file`,
        );
      }
    }
    for (const service of consumers[file] ?? []) checkKnown(envFile, service, where);
  }
  for (const [file, envFile] of secretFiles) {
    for (const service of secretConsumers[file] ?? [])
      checkKnown(envFile, service, `secrets/${file}`);
  }
}

function checkKnown(envFile: EnvFile, service: string, where: string): void {
  const known = knownVariables(service);
  if (known === undefined) {
    warn(
      where,
      `services/${service}/src/config/config.schema.ts not found: variable names not checked`,
    );
    return;
  }
  for (const name of envFile.vars.keys()) {
    if (!known.has(name)) fail(where, `${name} is not a setting of ${service} (typo?)`);
  }
}

// --- 4. Dockerfiles ----------------------------------------------------------------------------

interface Instruction {
  readonly line: number;
  readonly keyword: string;
  readonly args: string;
}
interface Stage {
  readonly name: string | undefined;
  readonly image: string;
  readonly instructions: Instruction[];
}
interface DockerfileFacts {
  readonly healthcheck: boolean;
}

/** Instructions with continuation lines joined; comment lines (also inside them) skipped. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split(/\r?\n/u).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1) : trimmed;
    pending =
      pending === undefined
        ? { line: index + 1, text: part }
        : { line: pending.line, text: `${pending.text} ${part}` };
    if (!continues) {
      const [keyword = '', ...rest] = pending.text.trim().split(/\s+/u);
      instructions.push({
        line: pending.line,
        keyword: keyword.toUpperCase(),
        args: rest.join(' '),
      });
      pending = undefined;
    }
  });
  return instructions;
}

function lintDockerfile(service: NodeService): DockerfileFacts {
  const path = join(REPO, 'services', service.name, 'Dockerfile');
  const where = shown(path);
  if (!existsSync(path)) {
    fail(where, 'missing');
    return { healthcheck: false };
  }
  const text = readFileSync(path, 'utf8');
  const instructions = parseDockerfile(text);
  const at = (instruction: Instruction) => `${where}:${instruction.line}`;

  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/u).filter((word) => !word.startsWith('--'));
      const image = (words[0] ?? '').replace(
        /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/gu,
        (_m, name: string) => globalArgs.get(name) ?? `$${name}`,
      );
      const name = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
      stages.push({ name, image, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name = '', value] = instruction.args.split('=');
        if (value !== undefined) globalArgs.set(name.trim(), value.trim());
      }
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  if (stages.length < 2)
    fail(where, 'not a multi-stage build (build tools would ship in the image)');

  const stageNames = new Set<string>();
  for (const [index, stage] of stages.entries()) {
    const fromLine = instructions.filter((instruction) => instruction.keyword === 'FROM')[index];
    const fromAt = fromLine === undefined ? where : at(fromLine);
    if (!stageNames.has(stage.image)) checkBaseImage(stage.image, fromAt);
    if (stage.name !== undefined) stageNames.add(stage.name);
  }

  for (const instruction of instructions) {
    const args = instruction.args;
    if (instruction.keyword === 'ADD') {
      fail(
        at(instruction),
        /\b(https?|ftp|git):\/\/|git@/u.test(args)
          ? 'ADD of a URL: download explicitly, with a checksum'
          : 'ADD: use COPY',
      );
    }
    if (instruction.keyword === 'RUN') {
      if (/\bnpm\s+(install|i|add)\b/u.test(args))
        fail(at(instruction), 'npm install: use npm ci (the lockfile, exactly)');
      if (/\b(yarn|pnpm)\b/u.test(args))
        fail(at(instruction), 'this repository installs with npm ci');
      if (/\b(curl|wget)\b[^|]*\|\s*(ba|da)?sh\b/u.test(args))
        fail(at(instruction), 'pipes a download into a shell');
      if (/\bsudo\b/u.test(args)) fail(at(instruction), 'sudo in a build step');
      if (/\bapt-get\s+install\b/u.test(args) && !/--no-install-recommends/u.test(args)) {
        warn(at(instruction), 'apt-get install without --no-install-recommends');
      }
    }
    if (instruction.keyword === 'COPY') {
      const from = /--from=(\S+)/u.exec(args)?.[1];
      if (from !== undefined && !stageNames.has(from) && !/^\d+$/u.test(from)) {
        warn(at(instruction), `COPY --from=${from} is not a stage of this file`);
      }
    }
    if (instruction.keyword === 'WORKDIR' && !args.startsWith('/'))
      fail(at(instruction), 'WORKDIR must be absolute');
    if (instruction.keyword === 'STOPSIGNAL' && !['SIGTERM', 'SIGINT'].includes(args)) {
      fail(at(instruction), 'the services drain on SIGTERM/SIGINT; another stop signal skips that');
    }
    if (instruction.keyword === 'ENTRYPOINT' && !args.startsWith('[')) {
      fail(at(instruction), 'shell-form ENTRYPOINT: signals would reach the shell, not node');
    }
  }
  const runs = instructions
    .filter((instruction) => instruction.keyword === 'RUN')
    .map((instruction) => instruction.args);
  if (!runs.some((command) => /\bnpm\s+ci\b/u.test(command))) fail(where, 'no npm ci');
  if (!runs.some((command) => /\bnpm\s+ci\b.*--omit=dev/u.test(command))) {
    fail(where, 'no npm ci --omit=dev: the runtime would ship dev dependencies');
  }
  if (
    !runs.some((command) =>
      new RegExp(`tsc\\s+-b\\s+services/${service.name}\\b`, 'u').test(command),
    )
  ) {
    fail(where, `does not build with tsc -b services/${service.name}`);
  }

  // Runtime files: every top-level folder of the service except sources and tooling.
  const serviceDir = join(REPO, 'services', service.name);
  for (const entry of readdirSync(serviceDir, { withFileTypes: true })) {
    if (entry.isDirectory() && !NOT_RUNTIME.has(entry.name) && !entry.name.startsWith('.')) {
      if (!text.includes(`services/${service.name}/${entry.name}`)) {
        fail(
          where,
          `services/${service.name}/${entry.name}/ is never copied into the image; if the service ` +
            'reads it at run time add it to the /out staging step, otherwise list it in NOT_RUNTIME ' +
            '(deploy/check-compose.ts)',
        );
      }
    }
  }

  const final = stages.at(-1);
  if (final === undefined) return { healthcheck: false };
  const finalOf = (keyword: string) =>
    final.instructions.filter((instruction) => instruction.keyword === keyword);
  const user = finalOf('USER').at(-1)?.args;
  if (user === undefined) fail(where, 'the runtime stage has no USER: it would run as root');
  else if (/^(root|0)(:|$)/u.test(user)) fail(where, `the runtime stage runs as ${user}`);
  const healthcheck = finalOf('HEALTHCHECK').at(-1)?.args;
  if (healthcheck === undefined || /^NONE\b/u.test(healthcheck))
    fail(where, 'the runtime stage has no HEALTHCHECK');
  else {
    if (!healthcheck.includes('/health/live'))
      fail(where, 'the HEALTHCHECK should probe /health/live');
    if (/\b(curl|wget)\b/u.test(healthcheck))
      fail(where, 'the HEALTHCHECK uses curl/wget, which slim images lack');
  }
  const expectedPort = String(service.defaultPort);
  if (
    !finalOf('EXPOSE').some((instruction) =>
      instruction.args.split(/\s+/u).some((port) => port.replace(/\/tcp$/u, '') === expectedPort),
    )
  ) {
    fail(where, `the runtime stage does not EXPOSE ${expectedPort}`);
  }
  const env = finalOf('ENV')
    .map((instruction) => instruction.args)
    .join(' ');
  if (!/\bNODE_ENV[= ]production\b/u.test(env))
    fail(where, 'the runtime stage does not set NODE_ENV=production');
  if (!new RegExp(`\\b${service.prefix}_HOST[= ]0\\.0\\.0\\.0\\b`, 'u').test(env)) {
    warn(where, `the image does not default ${service.prefix}_HOST to 0.0.0.0`);
  }
  for (const instruction of finalOf('COPY')) {
    if (!/--from=/u.test(instruction.args)) {
      fail(
        at(instruction),
        'the runtime stage copies from the build context; only built artifacts belong there (COPY --from)',
      );
    }
  }
  const cmd = finalOf('CMD').at(-1)?.args;
  let command: unknown;
  try {
    command = cmd === undefined ? undefined : JSON.parse(cmd);
  } catch {
    command = undefined;
  }
  const expected = ['node', `services/${service.name}/dist/main.js`];
  if (!Array.isArray(command) || JSON.stringify(command) !== JSON.stringify(expected)) {
    fail(
      where,
      `CMD must be the exec form ${JSON.stringify(expected)} (node receives SIGTERM itself)`,
    );
  }
  return { healthcheck: healthcheck !== undefined && !/^NONE\b/u.test(healthcheck) };
}

function checkBaseImage(image: string, where: string): void {
  if (image.includes('$')) {
    fail(where, `base image ${image} depends on a build argument without a default`);
    return;
  }
  const [reference = '', digest] = image.split('@');
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.indexOf(':', lastSlash + 1);
  const tag = colon < 0 ? undefined : reference.slice(colon + 1);
  if (tag === undefined && digest === undefined)
    fail(where, `base image ${image} has no tag (implicitly latest)`);
  else if (tag === 'latest') fail(where, `base image ${image} uses latest`);
  else if (tag !== undefined && !/^\d/u.test(tag))
    fail(where, `base image ${image}: pin at least the major version`);
  if (/alpine/u.test(image))
    fail(where, `base image ${image}: musl; the native modules are prebuilt for glibc`);
}

function checkDockerignore(): void {
  const path = join(REPO, '.dockerignore');
  if (!existsSync(path)) {
    fail('.dockerignore', 'missing: node_modules, .git and secrets would enter the build context');
    return;
  }
  const patterns = readFileSync(path, 'utf8')
    .split(/\r?\n/u)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const allowList = patterns[0] === '*';
  const required = allowList
    ? [
        '!package.json',
        '!package-lock.json',
        '!.npmrc',
        '!tsconfig.base.json',
        '!libs',
        '!services',
        '**/node_modules',
        '**/dist',
      ]
    : ['**/node_modules', '**/dist', '.git', 'deploy/secrets', '**/.env'];
  for (const pattern of required) {
    if (!patterns.includes(pattern)) fail('.dockerignore', `expected the pattern ${pattern}`);
  }
}

// --- main --------------------------------------------------------------------------------------

function main(): number {
  const dockerfiles = new Map<string, DockerfileFacts>();
  for (const service of NODE_SERVICES) dockerfiles.set(service.name, lintDockerfile(service));
  checkDockerignore();

  const secrets = prepareSecrets();
  try {
    if (secrets !== undefined) {
      const secretFiles = checkSecrets(secrets.dir, secrets.temporary);
      checkEnvFiles(secretFiles);
      const model = validateCompose(secrets.dir);
      if (model !== undefined) checkComposeModel(model, dockerfiles);
      if (!secrets.temporary) {
        // The compose file must reference secrets, never contain them.
        const compose = readFileSync(COMPOSE_FILE, 'utf8');
        for (const file of secretFiles.values()) {
          for (const [name, value] of file.vars) {
            if (value.length >= 16 && compose.includes(value))
              fail('docker-compose.yml', `contains the value of ${name}`);
          }
        }
      }
    }
  } finally {
    secrets?.cleanup();
  }

  const errors = findings.filter((finding) => finding.level === 'error');
  const warnings = findings.filter((finding) => finding.level === 'warning');
  const out: string[] = [
    'AuthFlow container path: docker-compose.yml, Dockerfiles, env files, secrets',
  ];
  for (const line of notes) out.push(`  ok  ${line}`);
  out.push(
    `  ok  Dockerfiles linted: ${NODE_SERVICES.map((service) => `services/${service.name}/Dockerfile`).join(', ')}`,
  );
  for (const finding of [...errors, ...warnings]) {
    out.push(
      `  ${finding.level === 'error' ? 'ERROR' : 'warn '} ${finding.where}: ${finding.message}`,
    );
  }
  out.push(
    errors.length === 0
      ? `Passed${warnings.length > 0 ? ` with ${warnings.length} warning(s)` : ''}. (Validated statically: no image was built or run.)`
      : `Failed: ${errors.length} error(s), ${warnings.length} warning(s).`,
  );
  (errors.length === 0 ? process.stdout : process.stderr).write(`${out.join('\n')}\n`);
  return errors.length === 0 ? 0 : 1;
}

process.exitCode = main();
