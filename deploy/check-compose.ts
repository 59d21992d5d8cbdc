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
import { readFileSync } from 'node:fs';

import { validateCompose } from './compose-check/compose-config.ts';
import { checkComposeModel } from './compose-check/compose-rules.ts';
import {
  checkDockerignore,
  type DockerfileFacts,
  lintDockerfile,
} from './compose-check/dockerfiles.ts';
import { checkEnvFiles } from './compose-check/env-files.ts';
import { fail, findings, notes } from './compose-check/findings.ts';
import { checkSecrets, prepareSecrets } from './compose-check/secrets.ts';
import { COMPOSE_FILE, NODE_SERVICES } from './compose-check/settings.ts';

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
