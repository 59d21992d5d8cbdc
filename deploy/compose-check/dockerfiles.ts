// 4. Dockerfiles: a small linter (hadolint is not packaged in Debian).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { fail, shown, warn } from './findings.ts';
import { type NodeService, NOT_RUNTIME, REPO } from './settings.ts';

export interface Instruction {
  readonly line: number;
  readonly keyword: string;
  readonly args: string;
}
export interface Stage {
  readonly name: string | undefined;
  readonly image: string;
  readonly instructions: Instruction[];
}
export interface DockerfileFacts {
  readonly healthcheck: boolean;
}

/** Instructions with continuation lines joined; comment lines (also inside them) skipped. */
export function parseDockerfile(text: string): Instruction[] {
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

export function lintDockerfile(service: NodeService): DockerfileFacts {
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

export function checkBaseImage(image: string, where: string): void {
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

export function checkDockerignore(): void {
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
