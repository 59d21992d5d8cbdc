// 2a. Compose: `docker-compose config` / `docker compose config` and the normalised model.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail, note } from './findings.ts';
import { isObject, type JsonObject } from './json.ts';
import { COMPOSE_FILE, PROJECT_NAME, REPO } from './settings.ts';

export interface ComposeTool {
  readonly label: string;
  readonly command: string;
  readonly baseArgs: readonly string[];
  /** Compose v1: no top-level `name`, no `config --format json`. */
  readonly legacy: boolean;
}

export function run(
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

export function findComposeTools(): ComposeTool[] {
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
export function validateCompose(secretsDir: string): JsonObject | undefined {
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

export function readModel(
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

export function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** A service's environment as the container gets it: env_file entries, then `environment`. */
