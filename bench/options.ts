// Command-line options of `node bench/run.ts` (npm run bench -- ...).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const HTTP_SETUP_IDS = [
  'backend',
  'nginx-proxy',
  'node-proxy',
  'nginx-204',
  'gateway-warm',
  'gateway-b',
  'gateway-policy',
  'gateway-nocache',
  'gateway-verify',
  'nginx-gateway',
  'nginx-verify',
  'nginx-auth-request',
  'express-session',
] as const;
export type HttpSetupId = (typeof HTTP_SETUP_IDS)[number];

export const PHASE_IDS = ['websocket', 'revocation', 'login', 'memory'] as const;
export type PhaseId = (typeof PHASE_IDS)[number];

export interface BenchOptions {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Times a measurement is repeated when other processes took more than 15 % of a CPU. */
  readonly retries: number;
  readonly quick: boolean;
  /** HTTP setups to measure (the two ratio baselines are always added when any is chosen). */
  readonly setups: readonly HttpSetupId[];
  readonly phases: readonly PhaseId[];
  /** Distinct sessions cycled by the HTTP setups' requests. */
  readonly sessions: number;
  readonly websocketConnections: number;
  readonly revocationSessions: number;
  readonly loginUsers: number;
  readonly loginClients: number;
  readonly memorySessions: number;
  readonly portBase: number | undefined;
  readonly pin: boolean;
  readonly build: boolean;
  readonly loadGenerator: 'wrk' | 'autocannon' | 'auto';
  readonly postgresUrl: string;
  /** Run every gateway and the bare proxy with `node --cpu-prof`, into the run's log folder. */
  readonly cpuProfile: boolean;
  /** More Node flags for every gateway process (`--trace-gc`, `--max-semi-space-size=32`...). */
  readonly gatewayFlags: readonly string[];
  /** The gateway entry to run instead of services/gateway/dist/main.js (an experiment's copy). */
  readonly gatewayMain: string | undefined;
  /**
   * A second warm-cache gateway measured in the same rounds (setup `gateway-b`): another entry
   * (an experiment's build) and/or other Node flags. Undefined: no such setup.
   */
  readonly gatewayB:
    | {
        readonly main: string | undefined;
        readonly flags: readonly string[];
        /** More environment for gateway-b (`GATEWAY_FAST_PATH=false`: the same build, one setting changed). */
        readonly env: Readonly<Record<string, string>>;
      }
    | undefined;
}

export const USAGE = `Usage: node bench/run.ts [options]    (npm run bench -- [options])

  --rounds N            interleaved rounds of the HTTP and WebSocket setups (3; quick: 1)
  --duration S          seconds measured per setup and round (10; quick: 3)
  --warmup S            seconds of unmeasured load before each measurement (2; quick: 1)
  --connections N       concurrent connections of the load generator (50)
  --retries N           repeat a measurement disturbed by other processes up to N times (2;
                        0 on a machine that is never quiet: read the CPU µs/req then)
  --quick               smoke run: 1 round of 3 s, smaller pools (about 3 minutes;
                        with --only gateway-warm: under a minute)
  --only LIST           comma-separated setups or phases: ${HTTP_SETUP_IDS.join(', ')},
                        http (all of those), ${PHASE_IDS.join(', ')}
  --sessions N          distinct sessions cycled by the HTTP setups (100; keep it ≥ --connections)
  --ws-connections N    WebSockets held open for the WebSocket benchmark (100)
  --revocations N       sessions revoked in the revocation benchmark (200; quick: 50)
  --login-users N       verified accounts for the login benchmark (40)
  --login-clients N     concurrent sign-in clients (20)
  --memory-sessions N   distinct sessions driven through one gateway (100000; quick: 12000)
  --port-base N         use ports N, N+1, ... instead of free ones (refuses taken ports)
  --no-pin              do not pin with taskset
  --no-build            skip \`npm run build\` (the services' dist/ must be current)
  --load-generator G    wrk | autocannon | auto (auto: wrk if installed)
  --cpu-prof            profile every gateway and the bare Node proxy (node --cpu-prof) into
                        the run's log folder (profiles/); summarise: bench/profile-summary.ts
  --gateway-flags=F     more node flags for every gateway, space-separated, after an =
                        (--gateway-flags="--trace-gc --max-semi-space-size=16"); their output
                        (--trace-gc lines) goes to the gateway's log
  --gateway-main FILE   run this gateway entry instead of services/gateway/dist/main.js
                        (an experiment's copy; its own node_modules are used)
  --gateway-b FILE      A/B in the same rounds: adds setup gateway-b, a second warm-cache
                        gateway running FILE (e.g. /tmp/gw-experiment/services/gateway/dist/main.js)
  --gateway-b-flags=F   node flags of gateway-b instead of --gateway-flags (alone: the same
                        gateway with other flags, e.g. --gateway-b-flags=--max-semi-space-size=64)
  --gateway-b-env=E     more environment for gateway-b, NAME=VALUE,... (alone: the same gateway
                        with one setting changed, e.g. --gateway-b-env=GATEWAY_FAST_PATH=false)
  --postgres-url URL    server for the login benchmark's database (postgres://postgres@127.0.0.1:5432)
  --help
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new UsageError(`--${name} must be a positive integer`);
  return number;
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      retries: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      sessions: { type: 'string' },
      'ws-connections': { type: 'string' },
      revocations: { type: 'string' },
      'login-users': { type: 'string' },
      'login-clients': { type: 'string' },
      'memory-sessions': { type: 'string' },
      'port-base': { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'load-generator': { type: 'string', default: 'auto' },
      'postgres-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
      'cpu-prof': { type: 'boolean', default: false },
      'gateway-flags': { type: 'string', default: '' },
      'gateway-main': { type: 'string' },
      'gateway-b': { type: 'string' },
      'gateway-b-flags': { type: 'string' },
      'gateway-b-env': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick;
  const gatewayFlags = flagList(values['gateway-flags']);
  const gatewayB =
    values['gateway-b'] === undefined &&
    values['gateway-b-flags'] === undefined &&
    values['gateway-b-env'] === undefined
      ? undefined
      : {
          main: values['gateway-b'] === undefined ? undefined : resolve(values['gateway-b']),
          flags:
            values['gateway-b-flags'] === undefined
              ? gatewayFlags
              : flagList(values['gateway-b-flags']),
          env: envList(values['gateway-b-env']),
        };
  const { setups, phases } = selection(values.only, gatewayB !== undefined);
  const loadGenerator = values['load-generator'];
  if (loadGenerator !== 'wrk' && loadGenerator !== 'autocannon' && loadGenerator !== 'auto')
    throw new UsageError('--load-generator must be wrk, autocannon or auto');
  return {
    rounds: positiveInteger(values.rounds, 'rounds', quick ? 1 : 3),
    durationSeconds: positiveInteger(values.duration, 'duration', quick ? 3 : 10),
    warmupSeconds: positiveInteger(values.warmup, 'warmup', quick ? 1 : 2),
    connections: positiveInteger(values.connections, 'connections', 50),
    retries: values.retries === '0' ? 0 : positiveInteger(values.retries, 'retries', 2),
    quick,
    setups,
    phases,
    sessions: positiveInteger(values.sessions, 'sessions', 100),
    websocketConnections: positiveInteger(values['ws-connections'], 'ws-connections', 100),
    revocationSessions: positiveInteger(values.revocations, 'revocations', quick ? 50 : 200),
    loginUsers: positiveInteger(values['login-users'], 'login-users', 40),
    loginClients: positiveInteger(values['login-clients'], 'login-clients', 20),
    memorySessions: positiveInteger(
      values['memory-sessions'],
      'memory-sessions',
      quick ? 12_000 : 100_000,
    ),
    portBase:
      values['port-base'] === undefined
        ? undefined
        : positiveInteger(values['port-base'], 'port-base', 0),
    pin: !values['no-pin'],
    build: !values['no-build'],
    loadGenerator,
    postgresUrl: values['postgres-url'],
    cpuProfile: values['cpu-prof'],
    gatewayFlags,
    gatewayMain: values['gateway-main'] === undefined ? undefined : resolve(values['gateway-main']),
    gatewayB,
  };
}

const flagList = (text: string): string[] => text.split(/\s+/u).filter((flag) => flag !== '');

/** `NAME=VALUE,NAME=VALUE` (--gateway-b-env) as an environment. */
function envList(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--gateway-b-env: ${pair} is not NAME=VALUE`);
    env[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return env;
}

function selection(
  only: string | undefined,
  withGatewayB: boolean,
): { setups: HttpSetupId[]; phases: PhaseId[] } {
  // gateway-b runs when --gateway-b, --gateway-b-flags or --gateway-b-env says what it is.
  const chosen = (ids: Iterable<HttpSetupId>): HttpSetupId[] => {
    const wanted = new Set(ids);
    return HTTP_SETUP_IDS.filter((id) => wanted.has(id) && (id !== 'gateway-b' || withGatewayB));
  };
  if (only === undefined) return { setups: chosen(HTTP_SETUP_IDS), phases: [...PHASE_IDS] };
  const setups = new Set<HttpSetupId>();
  const phases = new Set<PhaseId>();
  for (const item of only
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    if (item === 'http') for (const id of HTTP_SETUP_IDS) setups.add(id);
    else if (isOneOf(HTTP_SETUP_IDS, item)) setups.add(item);
    else if (isOneOf(PHASE_IDS, item)) phases.add(item);
    else throw new UsageError(`--only: unknown setup or phase "${item}"`);
  }
  // Ratios are taken against these three in the same round: they run whenever any HTTP setup
  // does (the bare Node proxy is the Node ceiling of issue 18).
  if (setups.size > 0) {
    setups.add('backend');
    setups.add('nginx-proxy');
    setups.add('node-proxy');
    // An experiment is compared with the gateway it changes.
    if (withGatewayB) {
      setups.add('gateway-warm');
      setups.add('gateway-b');
    }
  }
  return {
    setups: chosen(setups),
    phases: PHASE_IDS.filter((id) => phases.has(id)),
  };
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}
