// Reads an env file the way every Compose version does.
import { readFileSync } from 'node:fs';

import { fail, shown } from './findings.ts';

export interface EnvFile {
  readonly path: string;
  readonly vars: Map<string, string>;
}

/**
 * Reads NAME=value lines the way every consumer agrees on. Compose v1 (python-dotenv), v2 and
 * `docker run --env-file` differ on quotes, inline comments and surrounding spaces: those are
 * reported, by line number and name only (values may be secrets).
 */
export function readEnvFile(path: string): EnvFile {
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
