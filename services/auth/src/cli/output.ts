// How the admin CLI prints: aligned tables for people, one JSON document for scripts. Text from
// the stores (addresses, user agents, audit details) is shown inert: a control character in it
// cannot move the cursor or recolour the operator's terminal.
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';

// eslint-disable-next-line no-control-regex -- terminal control characters are what is replaced
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;

/** One line of text as a terminal should show it: control characters become `?`. */
export function inert(value: string): string {
  return value.replace(CONTROL, '?');
}

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const cells = [headers, ...rows].map((row) => row.map(inert));
  const widths = headers.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? '').length)),
  );
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

/** `name: value` lines, the names aligned. */
export function renderFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([name]) => name.length));
  return fields.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${inert(value)}\n`).join('');
}

/** Whether the command line asked for JSON (`--json`, anywhere on it). */
export function wantsJson(command: Command): boolean {
  return command.optsWithGlobals<{ json?: boolean }>().json === true;
}

/** A command's answer: `json` with --json (one document), else the text for people. */
export function emit(io: CliIo, command: Command, json: unknown, text: () => string): void {
  io.stdout(wantsJson(command) ? `${JSON.stringify(json, null, 2)}\n` : text());
}

export const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
export const listOrDash = (values: readonly string[]): string =>
  values.length === 0 ? '-' : values.join(',');
export const isoOf = (epochMs: number): string => new Date(epochMs).toISOString();
export const plural = (count: number, noun: string): string =>
  `${count} ${noun}${count === 1 ? '' : 's'}`;
