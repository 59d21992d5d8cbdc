// Problems and notes, collected by every check and printed once at the end.
import { isAbsolute, relative } from 'node:path';
import { REPO } from './settings.ts';

export interface Finding {
  readonly level: 'error' | 'warning';
  readonly where: string;
  readonly message: string;
}
export const findings: Finding[] = [];
export const notes: string[] = [];

export function report(finding: Finding): void {
  // An env file read for several services reports its problems once.
  const seen = findings.some(
    (other) => other.where === finding.where && other.message === finding.message,
  );
  if (!seen) findings.push(finding);
}
export function fail(where: string, message: string): void {
  report({ level: 'error', where, message });
}
export function warn(where: string, message: string): void {
  report({ level: 'warning', where, message });
}
export function note(message: string): void {
  notes.push(message);
}
export function shown(path: string): string {
  const fromRepo = relative(REPO, path);
  return fromRepo !== '' && !fromRepo.startsWith('..') && !isAbsolute(fromRepo) ? fromRepo : path;
}
