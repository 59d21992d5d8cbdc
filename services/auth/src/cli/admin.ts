#!/usr/bin/env node
// Process entry of the admin CLI (`authflow-admin`, `npm run admin -- <command>`): runs one
// command on auth's stores with auth's environment, and exits with its code.
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { runAdminCli } from './admin-program.js';
import type { CliIo } from './cli-io.js';

// Ctrl-C ends `audit tail --follow` cleanly (stores closed); a second one kills the process.
const stopFollowing = new AbortController();
process.once('SIGINT', () => {
  process.exitCode = 130;
  stopFollowing.abort();
});

const io: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  osUser: osUserName(),
  signal: stopFollowing.signal,
  ...(process.stdin.isTTY ? { confirm } : {}),
};

const code = await runAdminCli(process.argv.slice(2), io);
if (!stopFollowing.signal.aborted) process.exitCode = code;

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/iu.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/** The account running the CLI, for the audit log; `unknown` where the system cannot say. */
function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
