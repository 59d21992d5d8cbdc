// Summarises V8 profiles of a bench run by area of the gateway's request path, side by side for
// several processes (the gateway and the bare proxy of the same run):
//
//   node bench/profile-summary.ts gateway-warm.cpuprofile=91.3 bare-proxy.cpuprofile=57.9
//   node bench/profile-summary.ts allocations-1234.heapprofile=180000
//
// A .cpuprofile (node --cpu-prof; `npm run bench -- --cpu-prof`) gives busy CPU time; `=N` is the
// process's CPU µs per request from the bench report, to turn shares into µs. Only the busy part
// counts: 200 ms slices less than half idle (the load), not the start-up or the gaps between
// measurements. A .heapprofile (bench/allocation-sampler.ts) gives bytes allocated, garbage
// included; `=N` is the number of requests the process answered, to give bytes per request.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { fixed, integer, table } from './markdown.ts';
import { aggregate, type ProfileNode, type ProfileSummary } from './profile-areas.ts';

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface HeapNode {
  readonly id: number;
  readonly callFrame: ProfileNode['callFrame'];
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

const SLICE_MICROS = 200_000;

/** Busy µs per node: samples in slices of the profile that are at most half idle. */
export function summarizeCpuProfile(profile: CpuProfile): ProfileSummary {
  const idle = new Set(
    profile.nodes
      .filter(({ callFrame }) => ['(idle)', '(root)'].includes(callFrame.functionName))
      .map(({ id }) => id),
  );
  const slices = new Map<number, { idle: number; all: number }>();
  let clock = 0;
  const samples = profile.samples.map((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    clock += delta;
    const slice = Math.floor(clock / SLICE_MICROS);
    const entry = slices.get(slice) ?? { idle: 0, all: 0 };
    entry.all += delta;
    if (idle.has(id)) entry.idle += delta;
    slices.set(slice, entry);
    return { id, slice, delta };
  });
  const weights = new Map<number, number>();
  for (const { id, slice, delta } of samples) {
    const entry = slices.get(slice);
    if (entry === undefined || idle.has(id) || entry.idle * 2 > entry.all) continue;
    weights.set(id, (weights.get(id) ?? 0) + delta);
  }
  return aggregate(profile.nodes, weights);
}

/** Bytes per node of a sampling heap profile (a tree), flattened into the CPU profile's shape. */
export function summarizeHeapProfile(head: HeapNode): ProfileSummary {
  const nodes: ProfileNode[] = [];
  const weights = new Map<number, number>();
  const visit = (node: HeapNode): void => {
    nodes.push({
      id: node.id,
      callFrame: node.callFrame,
      children: node.children.map((child) => child.id),
    });
    weights.set(node.id, node.selfSize);
    for (const child of node.children) visit(child);
  };
  visit(head);
  return aggregate(nodes, weights);
}

interface Input {
  readonly label: string;
  readonly summary: ProfileSummary;
  /** CPU: µs per request; heap: bytes per request (computed from the request count). */
  readonly perRequest: number | undefined;
}

function render(
  inputs: readonly Input[],
  pick: (summary: ProfileSummary) => ReadonlyMap<string, number>,
  top: number,
  title: string,
  unit: string,
): string {
  const keys = new Map<string, number>();
  for (const { summary } of inputs)
    for (const [key, weight] of pick(summary))
      keys.set(key, Math.max(keys.get(key) ?? 0, weight / summary.total));
  const rows = [...keys]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key]) => [
      key,
      ...inputs.map(({ summary, perRequest }) => {
        const share = (pick(summary).get(key) ?? 0) / summary.total;
        const percent = `${fixed(share * 100, 1)} %`;
        if (perRequest === undefined) return percent;
        const amount = share * perRequest;
        return `${percent} · ${unit === 'B' ? integer(amount) : fixed(amount, 1)} ${unit}`;
      }),
    ]);
  const first = title.startsWith('Functions') ? 'function' : 'area';
  return `### ${title}\n\n${table([first, ...inputs.map(({ label }) => label)], rows)}`;
}

function load(argument: string): Input & { readonly kind: 'cpu' | 'heap' } {
  const equals = argument.lastIndexOf('=');
  const file = equals === -1 ? argument : argument.slice(0, equals);
  const figure = equals === -1 ? undefined : Number(argument.slice(equals + 1));
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const label = basename(file, extname(file));
  if (extname(file) === '.heapprofile') {
    const summary = summarizeHeapProfile((parsed as { head: HeapNode }).head);
    const perRequest = figure === undefined ? undefined : summary.total / figure;
    return { kind: 'heap', label, summary, perRequest };
  }
  return {
    kind: 'cpu',
    label,
    summary: summarizeCpuProfile(parsed as CpuProfile),
    perRequest: figure,
  };
}

function main(argv: readonly string[]): void {
  const inputs = argv.map(load);
  const kind = inputs[0]?.kind;
  if (kind === undefined || inputs.some((input) => input.kind !== kind)) {
    process.stderr.write(
      'usage: node bench/profile-summary.ts FILE.cpuprofile[=µs/req]... | FILE.heapprofile[=requests]...\n',
    );
    process.exitCode = 2;
    return;
  }
  const unit = kind === 'cpu' ? 'µs' : 'B';
  const totals = inputs
    .map(({ label, summary }) =>
      kind === 'cpu'
        ? `${label} ${fixed(summary.total / 1e6, 1)} s busy`
        : `${label} ${fixed(summary.total / 1_048_576, 0)} MiB allocated`,
    )
    .join(', ');
  const sections: [string, (summary: ProfileSummary) => ReadonlyMap<string, number>, number][] = [
    ['Areas, self', (summary) => summary.areaSelf, 40],
    ['Areas, inclusive (the area anywhere on the stack)', (summary) => summary.areaInclusive, 40],
    ['Functions, self', (summary) => summary.functionSelf, 30],
    ['Functions, inclusive', (summary) => summary.functionInclusive, 45],
  ];
  process.stdout.write(
    [
      `Profiled: ${totals}. Shares are of that; with a figure, per request.`,
      ...sections.map(([title, pick, top]) => render(inputs, pick, top, title, unit)),
    ].join('\n\n') + '\n',
  );
}

if (import.meta.main) main(process.argv.slice(2));
