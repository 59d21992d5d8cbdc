// `npm run bench` (node bench/run.ts): builds the workspaces, starts every server of the
// comparison on free ports (pinned: load on CPU 0, servers on CPU 1), measures the HTTP setups in
// interleaved rounds, WebSockets, revocation, sign-in and memory, and writes
// bench/results/<timestamp>.json and .md (the Markdown is printed too).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAutocannon } from './autocannon.ts';
import { buildWorkspaces } from './build.ts';
import { pinSelf, planPinning } from './cpu-pinning.ts';
import { buildHttpSetup } from './http-setups.ts';
import { type HttpResults, measureHttpSetups } from './http-rounds.ts';
import type { LoadGenerator } from './load-generator.ts';
import { type LoginResults, measureLogin } from './login-bench.ts';
import { describeMachine } from './machine.ts';
import { measureMemory, type MemoryResults } from './memory-bench.ts';
import { findNginx } from './nginx-process.ts';
import { type BenchOptions, parseOptions, USAGE, UsageError } from './options.ts';
import { ensurePackages, TOOL_PACKAGES } from './peer-install.ts';
import { PortPlan, PortTakenError } from './ports.ts';
import { childPids, readMemoryUse } from './proc-status.ts';
import { ProcessGroup } from './process-group.ts';
import { type ProcessMemory, renderMarkdown, type RunReport } from './report.ts';
import { measureRevocation, type RevocationResults } from './revocation-bench.ts';
import type { RunContext } from './run-context.ts';
import { digestLog } from './service-logs.ts';
import { PORT_NAMES, Stack } from './stack.ts';
import { checkTargets } from './targets.ts';
import { measureWebSockets, type WebSocketResults } from './websocket-bench.ts';
import { createWrk, findWrk } from './wrk.ts';

const benchDir = import.meta.dirname;
const repoRoot = resolve(benchDir, '..');
const say = (text: string): void => void process.stderr.write(`[bench] ${text}\n`);

async function chooseLoadGenerator(
  options: BenchOptions,
  group: ProcessGroup,
  workDir: string,
): Promise<LoadGenerator> {
  const wrk = options.loadGenerator === 'autocannon' ? undefined : findWrk();
  if (wrk !== undefined) return createWrk(wrk, group, join(workDir, 'wrk'));
  if (options.loadGenerator === 'wrk')
    throw new Error('wrk is not installed (apt-get install wrk)');
  const toolsDir = join(benchDir, '.tools');
  await ensurePackages(toolsDir, TOOL_PACKAGES, say);
  return createAutocannon(toolsDir);
}

async function run(options: BenchOptions): Promise<number> {
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/gu, '-');
  if (options.build) {
    say('npm run build (incremental)');
    await buildWorkspaces(repoRoot);
  }
  const entries = [
    options.gatewayMain ?? join(repoRoot, 'services/gateway/dist/main.js'),
    join(repoRoot, 'services/auth/dist/main.js'),
  ];
  for (const entry of entries)
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build`);
  const machine = describeMachine(findNginx(), findWrk());
  const pinning = planPinning(!options.pin);
  pinSelf(pinning);
  say(
    pinning.enabled
      ? `pinned: load generators and this harness on CPU ${pinning.loadCpu}, every server on CPU ${pinning.serverCpu}`
      : `not pinned: ${pinning.reason ?? ''}`,
  );
  const resultsDir = join(benchDir, 'results');
  const logDir = join(resultsDir, `${stamp}-logs`);
  await mkdir(logDir, { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), 'authflow-bench-'));
  const group = new ProcessGroup(logDir, pinning);
  const cleanups: (() => Promise<void>)[] = [];
  const stackHolder: { stack?: Stack } = {};

  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      await stackHolder.stack?.close().catch(() => undefined);
      await group.stopAll();
      for (const task of cleanups.reverse()) await task().catch(() => undefined);
      await rm(workDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: stopping every process of the run`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => group.killAllNow());

  const ports = new PortPlan(options.portBase);
  try {
    // All at once, before anything starts: a taken port stops the run here.
    for (const name of PORT_NAMES) await ports.take(name);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const load = await chooseLoadGenerator(options, group, workDir);
  const context: RunContext = {
    options,
    repoRoot,
    benchDir,
    workDir,
    group,
    ports,
    pinning,
    load,
    say,
    atCleanup: (task) => cleanups.push(task),
  };
  const stack = new Stack(context);
  stackHolder.stack = stack;
  const errors: string[] = [];
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      say(`${name} failed: ${message}`);
      errors.push(`${name}: ${message.split('\n')[0] ?? ''}`);
      return undefined;
    }
  };

  let http: HttpResults | undefined;
  let websocket: WebSocketResults | undefined;
  let revocation: RevocationResults | undefined;
  let login: LoginResults | undefined;
  let memory: MemoryResults | undefined;
  const processMemory: ProcessMemory[] = [];
  try {
    if (options.setups.length > 0) {
      say(`starting the HTTP setups: ${options.setups.join(', ')}`);
      http = await phase('http', async () => {
        const setups = [];
        for (const id of options.setups) setups.push(await buildHttpSetup(id, stack));
        return measureHttpSetups(context, setups);
      });
    }
    if (options.phases.includes('websocket'))
      websocket = await phase('websocket', () => measureWebSockets(context, stack));
    // Memory of the long-running servers after the HTTP and WebSocket load they carried.
    for (const child of group.running()) {
      if (child.name.startsWith('wrk')) continue;
      processMemory.push({ process: child.name, memory: readMemoryUse(child.pid) });
      if (child.name === 'nginx')
        for (const worker of childPids(child.pid))
          processMemory.push({ process: 'nginx worker', memory: readMemoryUse(worker) });
    }
    if (options.phases.includes('revocation'))
      revocation = await phase('revocation', () => measureRevocation(context, stack));
    if (options.phases.includes('login'))
      login = await phase('login', () => measureLogin(context, stack));
    if (options.phases.includes('memory'))
      memory = await phase('memory', () => measureMemory(context, stack));
  } finally {
    await cleanUp();
  }

  // The services' own logs (pino JSON): gateways, auth, the verifier and the peer.
  const logs = await Promise.all(
    group
      .history()
      .filter((child) => /^(gateway|auth|verifier|express-peer)/u.test(child.name))
      .map((child) => digestLog(child.name, child.logFile, child.stopRequestedAt())),
  );
  const finished = new Date();
  const report: RunReport = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    wallSeconds: (finished.getTime() - started.getTime()) / 1_000,
    options,
    machine,
    pinning: {
      enabled: pinning.enabled,
      loadCpu: pinning.loadCpu,
      serverCpu: pinning.serverCpu,
      ...(pinning.reason === undefined ? {} : { reason: pinning.reason }),
    },
    loadGenerator: load.name,
    ...(http === undefined ? {} : { http }),
    processMemory,
    logs,
    ...(websocket === undefined ? {} : { websocket }),
    ...(revocation === undefined ? {} : { revocation }),
    ...(login === undefined ? {} : { login }),
    ...(memory === undefined ? {} : { memory }),
    targets: checkTargets(http, login, revocation),
    errors,
  };
  const markdown = renderMarkdown(report);
  await writeFile(join(resultsDir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(resultsDir, `${stamp}.md`), markdown);
  process.stdout.write(markdown);
  say(`results: bench/results/${stamp}.json and .md; process logs: bench/results/${stamp}-logs/`);
  return errors.length === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && 'code' in error)) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return run(options);
}

process.exitCode = await main().catch((error: unknown) => {
  if (error instanceof PortTakenError) say(error.message);
  else say(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
});
