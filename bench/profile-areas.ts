// Where a V8 profile's time or bytes go, by area of the gateway's request path: every frame is
// put in an area by its script (native builtins and crypto belong to their caller), then self
// and inclusive weights are summed per area and per function.

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

const SOCKET_WRITES = new Set([
  'writev',
  'writeBuffer',
  'writeLatin1String',
  'writeUtf8String',
  'writeAsciiString',
  'writeUcs2String',
]);

/** Areas by script url, first match wins; the order puts libraries before the code calling them. */
const AREAS: readonly (readonly [RegExp, string])[] = [
  [/\/node_modules\/find-my-way\//u, 'fastify routing (find-my-way)'],
  [/\/node_modules\/@fastify\/(http-proxy|reply-from)\//u, '@fastify/http-proxy'],
  [
    /\/node_modules\/(fastify|avvio|fast-json-stringify|light-my-request|toad-cache|@fastify\/[^/]+|proxy-addr|forwarded)\//u,
    'fastify core (request, reply, hooks)',
  ],
  [/\/node_modules\/undici\/|^wasm:/u, 'undici (client, llhttp wasm)'],
  [/\/node_modules\/opossum\/|\/libs\/resilience\//u, 'breakers (opossum)'],
  [/\/node_modules\/prom-client\/|\/observability\/dist\/metrics/u, 'metrics (prom-client)'],
  [/\/node_modules\/(pino|sonic-boom|pino-std-serializers)|child-logger|logger\.js/u, 'logging'],
  [/\/node_modules\/lru-cache\//u, 'lru-cache (session, assertion caches)'],
  [/\/node_modules\/jose\/|assertion-signer/u, 'assertion signing (jose)'],
  [/\/libs\/fingerprint\//u, 'fingerprint'],
  [/\/libs\/sessions\/dist\/session-cookie/u, 'cookie parsing'],
  [/\/libs\/sessions\/dist\/session-token/u, 'session token → id (SHA-256)'],
  [/\/libs\/sessions\/|\/node_modules\/zod\//u, 'sessions lib (verify, record)'],
  [/\/node_modules\/ioredis\//u, 'redis client'],
  [/\/gateway\/dist\/session\//u, 'session cache and access'],
  [/\/gateway\/dist\/proxy\/upstream-headers/u, 'header copying (upstream-headers)'],
  [/\/gateway\/dist\/(proxy|routing)\//u, 'gateway proxy (forward-http, route handler)'],
  [/\/gateway\/dist\/verification\//u, 'verification (hook, verifier)'],
  [/\/gateway\/dist\/http\//u, 'request guard (canonical path)'],
  [/\/libs\/proxy-trust\//u, 'proxy trust, request id'],
  [/\/bench\/servers\//u, 'bare proxy code'],
  [/^node:(_http_|internal\/http)/u, 'node http (server, outgoing)'],
  [/^node:(net|stream|internal\/(net|stream))/u, 'node net and streams'],
  [/^node:events/u, 'node events'],
  [/^node:internal\/process\/task_queues/u, 'nextTick and microtask queue'],
  [/^node:(timers|internal\/timers)/u, 'timers'],
  [/^node:(url|internal\/url)/u, 'URL parsing'],
  [/^node:internal\/(modules|bootstrap)|^node:(module|fs|path)/u, 'start-up (modules)'],
];

/** Frames that belong to whoever called them: native builtins, crypto, buffers, util. */
const INHERITS = /^$|^node:(internal\/(crypto|util|buffer|validators|errors)|buffer|crypto|util)/u;

function areaOf(frame: CallFrame, parentArea: string): string {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return '(program): V8 and native, unattributed';
  if (url === '' && SOCKET_WRITES.has(functionName)) return 'socket writes (syscalls)';
  if (INHERITS.test(url)) return parentArea;
  for (const [pattern, area] of AREAS) if (pattern.test(url)) return area;
  return url.startsWith('node:') ? 'node (other)' : 'other';
}

export interface ProfileSummary {
  /** Sum of the weights (µs of busy CPU, or bytes allocated). */
  readonly total: number;
  readonly areaSelf: ReadonlyMap<string, number>;
  /** Per area: the weight of every sample with the area anywhere on its stack (counted once). */
  readonly areaInclusive: ReadonlyMap<string, number>;
  readonly functionSelf: ReadonlyMap<string, number>;
  readonly functionInclusive: ReadonlyMap<string, number>;
}

/** Sums `weights` (node id → self weight) by area and function, self and inclusive. */
export function aggregate(
  nodes: readonly ProfileNode[],
  weights: ReadonlyMap<number, number>,
): ProfileSummary {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const area = new Map<number, string>();
  const stackAreas = new Map<number, Set<string>>();
  const stackFunctions = new Map<number, Set<string>>();
  const resolve = (id: number): void => {
    const node = byId.get(id);
    if (area.has(id) || node === undefined) return;
    const up = parent.get(id);
    if (up !== undefined) resolve(up);
    const own = areaOf(node.callFrame, up === undefined ? 'other' : (area.get(up) ?? 'other'));
    area.set(id, own);
    // The root is on every stack: it names no area and no function.
    if (up === undefined) {
      stackAreas.set(id, new Set());
      stackFunctions.set(id, new Set());
      return;
    }
    stackAreas.set(id, new Set([...(stackAreas.get(up) ?? []), own]));
    stackFunctions.set(
      id,
      new Set([...(stackFunctions.get(up) ?? []), functionKey(node.callFrame)]),
    );
  };
  const add = (map: Map<string, number>, key: string, weight: number): void => {
    map.set(key, (map.get(key) ?? 0) + weight);
  };
  const summary = {
    total: 0,
    areaSelf: new Map<string, number>(),
    areaInclusive: new Map<string, number>(),
    functionSelf: new Map<string, number>(),
    functionInclusive: new Map<string, number>(),
  };
  for (const [id, weight] of weights) {
    const node = byId.get(id);
    if (node === undefined || weight === 0) continue;
    resolve(id);
    summary.total += weight;
    add(summary.areaSelf, area.get(id) ?? 'other', weight);
    add(summary.functionSelf, functionKey(node.callFrame), weight);
    for (const each of stackAreas.get(id) ?? []) add(summary.areaInclusive, each, weight);
    for (const each of stackFunctions.get(id) ?? []) add(summary.functionInclusive, each, weight);
  }
  return summary;
}

export function functionKey({ functionName, url }: CallFrame): string {
  const where = url
    .replace(/^.*\/node_modules\//u, '')
    .replace(/^.*\/(services|libs|bench)\//u, '$1/')
    .replace(/^file:\/\//u, '');
  return `${functionName === '' ? '(anonymous)' : functionName}${where === '' ? '' : ` ${where}`}`;
}
