// A minimal HTTP client on node:http for the harness's own requests (probes, sign-ins, polls).
import { type Agent, request } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface HttpCall {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** A keep-alive agent to reuse connections; default: a fresh connection. */
  readonly agent?: Agent;
  readonly timeoutMs?: number;
}

export function httpCall(call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...call.headers };
    if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
    const outgoing = request(
      call.url,
      {
        method: call.method ?? 'GET',
        headers,
        agent: call.agent ?? false,
        timeout: call.timeoutMs ?? 10_000,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.once('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        incoming.once('error', reject);
      },
    );
    outgoing.once('timeout', () => outgoing.destroy(new Error(`timeout calling ${call.url}`)));
    outgoing.once('error', reject);
    outgoing.end(call.body);
  });
}

/** One sample of a Prometheus text exposition: `name{labels} value`, labels matched exactly. */
export function metricValue(
  exposition: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  let total: number | undefined;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/u.exec(line);
    if (match?.[1] !== name) continue;
    const present = parseLabels(match[2] ?? '');
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) {
      total = (total ?? 0) + Number(match[3]);
    }
  }
  return total;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/gu)) {
    if (match[1] !== undefined) labels[match[1]] = match[2] ?? '';
  }
  return labels;
}
