// The targets the gateway is held to, checked on one run's figures (every ratio taken within a
// round, then the median across rounds).
import type { HttpResults, SetupSummary } from './http-rounds.ts';
import { HEALTH_TARGET_P99_MS, type LoginResults } from './login-bench.ts';
import type { HttpSetupId } from './options.ts';
import { REVOCATION_TARGET_P99_MS, type RevocationResults } from './revocation-bench.ts';
import { median, summarizeLatencies } from './stats.ts';

export interface TargetCheck {
  readonly target: string;
  /** What was measured, in words with the figure. */
  readonly measured: string;
  /** undefined when the run did not measure what the target needs. */
  readonly met: boolean | undefined;
}

function setup(http: HttpResults | undefined, id: HttpSetupId): SetupSummary | undefined {
  return http?.setups.find((candidate) => candidate.id === id);
}

/** Median over rounds of a's req/s ÷ b's req/s in the same round. */
function pairedRatio(a: SetupSummary | undefined, b: SetupSummary | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const ratios = a.rounds.flatMap((round) => {
    const other = b.rounds.find((candidate) => candidate.round === round.round);
    return other === undefined
      ? []
      : [round.result.requestsPerSecond / other.result.requestsPerSecond];
  });
  return ratios.length === 0 ? undefined : median(ratios);
}

/** Median over rounds of a's CPU µs per request (every server process) ÷ b's in the same round. */
function pairedCpuRatio(
  a: SetupSummary | undefined,
  b: SetupSummary | undefined,
): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const total = (cpu: Readonly<Record<string, number>>): number =>
    Object.values(cpu).reduce((sum, micros) => sum + micros, 0);
  const ratios = a.rounds.flatMap((round) => {
    const other = b.rounds.find((candidate) => candidate.round === round.round);
    return other === undefined
      ? []
      : [total(round.cpuMicrosPerRequest) / total(other.cpuMicrosPerRequest)];
  });
  return ratios.length === 0 ? undefined : median(ratios);
}

const times = (value: number | undefined): string =>
  value === undefined ? 'not measured' : `${value.toFixed(2)}×`;

function ratioTarget(target: string, ratio: number | undefined, minimum: number): TargetCheck {
  return {
    target,
    measured: times(ratio),
    met: ratio === undefined ? undefined : ratio >= minimum,
  };
}

function ceilingTarget(target: string, ratio: number | undefined, maximum: number): TargetCheck {
  return {
    target,
    measured: times(ratio),
    met: ratio === undefined ? undefined : ratio <= maximum,
  };
}

/** A median over the rounds, or undefined when the run did not measure it. */
const measuredMedian = (value: number | undefined): number | undefined =>
  value === undefined || Number.isNaN(value) ? undefined : value;

/** Issue 18: the gateway against the Node ceiling (the bare Node proxy) and nginx, same rounds. */
function nodeCeilingTargets(http: HttpResults | undefined): TargetCheck[] {
  const warm = setup(http, 'gateway-warm');
  const bare = setup(http, 'node-proxy');
  const nginx = setup(http, 'nginx-proxy');
  const both = warm !== undefined && bare !== undefined;
  const loop = measuredMedian(warm?.eventLoopDelayP99Ms?.median);
  return [
    ratioTarget('gateway warm cache ≥ 0.8× bare Node proxy (req/s)', pairedRatio(warm, bare), 0.8),
    ceilingTarget(
      'gateway warm cache p99 ≤ 1.5× bare Node proxy p99',
      both ? measuredMedian(warm.p99RatioToNodeProxy.median) : undefined,
      1.5,
    ),
    ceilingTarget(
      'gateway warm cache p99 ≤ 3× nginx plain proxy p99',
      warm !== undefined && nginx !== undefined
        ? measuredMedian(warm.p99RatioToNginx.median)
        : undefined,
      3,
    ),
    {
      target: 'gateway event-loop delay p99 ≤ 5 ms under that load',
      measured: loop === undefined ? 'not measured' : `${loop.toFixed(2)} ms`,
      met: loop === undefined ? undefined : loop <= 5,
    },
    ceilingTarget(
      'gateway policy route ≤ 1.05× gateway warm cache (CPU µs/req, every server process)',
      pairedCpuRatio(setup(http, 'gateway-policy'), warm),
      1.05,
    ),
    ratioTarget(
      'nginx auth_request + gateway /verify ≥ 1.2× nginx auth_request + Node verifier (req/s)',
      pairedRatio(setup(http, 'nginx-verify'), setup(http, 'nginx-auth-request')),
      1.2,
    ),
  ];
}

export function checkTargets(
  http: HttpResults | undefined,
  login: LoginResults | undefined,
  revocation: RevocationResults | undefined,
): TargetCheck[] {
  const warm = setup(http, 'gateway-warm');
  const nginx = setup(http, 'nginx-proxy');
  const noCache = setup(http, 'gateway-nocache');
  const warmRatio = pairedRatio(warm, nginx);
  const warmP99Ratio =
    warm === undefined || nginx === undefined ? undefined : warm.p99RatioToNginx.median;
  const checks: TargetCheck[] = [
    ...nodeCeilingTargets(http),
    ratioTarget('gateway warm cache ≥ 0.5× nginx plain proxy (req/s)', warmRatio, 0.5),
    {
      target: 'gateway warm cache p99 ≤ 2× nginx plain proxy p99',
      measured: times(warmP99Ratio),
      met: warmP99Ratio === undefined ? undefined : warmP99Ratio <= 2,
    },
    ratioTarget(
      'gateway cache disabled ≥ 1.2× nginx auth_request + Node verifier (req/s)',
      pairedRatio(noCache, setup(http, 'nginx-auth-request')),
      1.2,
    ),
    ratioTarget(
      'gateway cache disabled ≥ 5× express-session peer (req/s)',
      pairedRatio(noCache, setup(http, 'express-session')),
      5,
    ),
    ratioTarget(
      'gateway /verify ≥ 0.5× nginx return 204 (req/s)',
      pairedRatio(setup(http, 'gateway-verify'), setup(http, 'nginx-204')),
      0.5,
    ),
  ];
  const health = login?.healthLatencyMs.p99;
  checks.push({
    target: `auth /health/live p99 < ${HEALTH_TARGET_P99_MS} ms while saturated with sign-ins`,
    measured: health === undefined ? 'not measured' : `${health.toFixed(2)} ms`,
    met: health === undefined ? undefined : health < HEALTH_TARGET_P99_MS,
  });
  checks.push(...revocationTargets(revocation));
  return checks;
}

/** Steady revocations (paced WebSockets, warm HTTP caches) and a burst, each against 50 ms. */
function revocationTargets(revocation: RevocationResults | undefined): TargetCheck[] {
  const check = (label: string, p99: number | undefined, missed: number): TargetCheck => ({
    target: `revocation enforced on every instance within ${REVOCATION_TARGET_P99_MS} ms p99: ${label}`,
    measured:
      p99 === undefined
        ? 'not measured'
        : `${p99.toFixed(1)} ms${missed > 0 ? `, ${missed} never enforced` : ''}`,
    met: p99 === undefined ? undefined : p99 < REVOCATION_TARGET_P99_MS && missed === 0,
  });
  if (revocation === undefined)
    return [check('steady (WebSockets at 200/s, warm HTTP caches)', undefined, 0)];
  const paced = revocation.websocket.filter((run) => run.pattern === 'paced');
  const burst = revocation.websocket.filter((run) => run.pattern === 'burst');
  const steadySamples = [...paced.flatMap((run) => run.samplesMs), ...revocation.http.samplesMs];
  const steadyMissed =
    paced.reduce((sum, run) => sum + run.notClosed, 0) + revocation.http.neverDenied;
  const checks = [
    check(
      'steady (WebSockets at 200/s, warm HTTP caches)',
      summarizeLatencies(steadySamples).p99,
      steadyMissed,
    ),
  ];
  for (const run of burst)
    checks.push(
      check(`burst (${run.sessions} revocations at once)`, run.latencyMs.p99, run.notClosed),
    );
  return checks;
}
