import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@authflow/observability';
import { chromeOnMac, getFreePort, startTestUpstream, type TestUpstream } from '@authflow/testing';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { type GatewayHarness, startGateway } from '@authflow/gateway/testing';
import { checkNginxConfig, findNginx, prepareNginxPrefix } from './edge-process.ts';
import { renderEdgeConfig, renderNginxConf } from './render-config.ts';
import { type EdgeHandle, startEdge } from './test-support/edge-harness.ts';
import { send } from './test-support/http-client.ts';

interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

// The gateway's log lines, to see which client IP it derived behind the edge.
const gatewayLog: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n'))
      if (line !== '') gatewayLog.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  },
});
/** The gateway's access log line for a request id (the edge's id, which the gateway keeps). */
const gatewayLineOf = (requestId: string): { req: { ip: string; path: string } } | undefined =>
  gatewayLog.find((line) => line.msg === 'request' && line.requestId === requestId) as
    { req: { ip: string; path: string } } | undefined;

let auth: TestUpstream;
let backend: TestUpstream;
let gateway: GatewayHarness;
let edge: EdgeHandle;
let gatewayAddress: string;

beforeAll(async () => {
  auth = await startTestUpstream();
  backend = await startTestUpstream();
  gateway = await startGateway({
    redisUrl: inject('redisUrl'),
    authUrl: auth.url,
    backendUrl: backend.url,
    env: {
      // The gateway believes the edge, and only the edge, about the client.
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1',
      AUTHFLOW_FINGERPRINT_IP_GRANULARITY: 'exact',
      AUTHFLOW_FINGERPRINT_IP: 'enforce',
      GATEWAY_ACCESS_LOG_SAMPLE_RATE: '100',
    },
    dependencies: { logger: createLogger({ service: 'gateway', level: 'info' }, sink) },
  });
  gatewayAddress = new URL(gateway.url).host;
  edge = await startEdge({
    values: {
      AUTHFLOW_GATEWAY_ADDRESS: gatewayAddress,
      // The test client on 127.0.0.1 plays the load balancer; 127.0.0.2 plays anyone else.
      EDGE_TRUSTED_LOAD_BALANCERS: '127.0.0.1',
      EDGE_RATE_AUTH_BURST: '3',
      EDGE_MAX_BODY_SIZE: '1m',
      EDGE_WEBSOCKET_IDLE_TIMEOUT: '1s',
    },
  });
});
afterAll(async () => {
  await edge.stop();
  await gateway.close();
  await backend.close();
  await auth.close();
});

const asJson = { accept: 'application/json' };

describe('the edge in front of the gateway', () => {
  it('proxies a signed-in request to the backend with the client IP the trusted load balancer reported', async () => {
    const { cookie, session } = await gateway.signIn({ ...chromeOnMac, ip: '203.0.113.9' });
    const headers = { ...chromeOnMac.headers, ...asJson, cookie };
    // The balancer appended the address it saw (203.0.113.9) to what the client claimed.
    const response = await send(edge.url, '/app/reports?tab=1', {
      headers: { ...headers, 'x-forwarded-for': '192.0.2.66, 203.0.113.9' },
    });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ path: '/app/reports?tab=1', method: 'GET' });
    const requestId = String(response.headers['x-request-id']);
    expect(requestId).toMatch(/^[0-9a-f]{32}$/u);
    const received = backend.received.at(-1)!;
    expect(received.headers['x-authflow-user-id']).toBe(session.userId);
    expect(received.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(received.headers['x-request-id']).toBe(requestId);

    await vi.waitFor(() =>
      expect(gatewayLineOf(requestId)?.req).toEqual(
        expect.objectContaining({ ip: '203.0.113.9', path: '/app/reports' }),
      ),
    );
    await vi.waitFor(async () =>
      expect((await edge.accessLog()).find((line) => line.request_id === requestId)).toEqual(
        expect.objectContaining({
          client_ip: '203.0.113.9',
          peer: '127.0.0.1',
          path: '/app/reports',
          status: 200,
        }),
      ),
    );

    // The same cookie sent straight to the gateway comes from 127.0.0.1: another device.
    const direct = await gateway.get('/app/reports', headers);
    expect(direct.status).toBe(401);
    expect(direct.headers['x-authflow-error']).toBe('fingerprint_mismatch');
  });

  it('ignores forwarding headers from a client that is not a trusted load balancer', async () => {
    const spoofed = {
      'x-forwarded-for': '203.0.113.9',
      'x-real-ip': '203.0.113.9',
      forwarded: 'for=203.0.113.9;proto=https',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-port': '443',
      'x-request-id': 'client-chosen-id',
    };
    const own = await gateway.signIn({ ...chromeOnMac, ip: '127.0.0.2' });
    const response = await send(edge.url, '/app/own', {
      localAddress: '127.0.0.2',
      headers: { ...chromeOnMac.headers, ...asJson, ...spoofed, cookie: own.cookie },
    });
    expect(response.status).toBe(200);
    const requestId = String(response.headers['x-request-id']);
    expect(requestId).toMatch(/^[0-9a-f]{32}$/u);
    const { headers } = backend.received.at(-1)!;
    expect(headers).toEqual(
      expect.objectContaining({
        'x-forwarded-for': '127.0.0.2, 127.0.0.1',
        'x-real-ip': '127.0.0.2',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': `127.0.0.1:${edge.port}`,
        'x-forwarded-port': String(edge.port),
        'x-request-id': requestId,
      }),
    );
    expect(headers.forwarded).toBeUndefined();
    await vi.waitFor(() => expect(gatewayLineOf(requestId)?.req.ip).toBe('127.0.0.2'));

    // Claiming the address a session was bound to does not make it usable from elsewhere.
    const claimed = await gateway.signIn({ ...chromeOnMac, ip: '203.0.113.9' });
    const denied = await send(edge.url, '/app/claimed', {
      localAddress: '127.0.0.2',
      headers: { ...chromeOnMac.headers, ...asJson, ...spoofed, cookie: claimed.cookie },
    });
    expect(denied.status).toBe(401);
    expect(denied.headers['x-authflow-error']).toBe('fingerprint_mismatch');
    // The gateway's own JSON error passes through, naming the edge's request id.
    expect(denied.json<ErrorBody>().error.request_id).toBe(denied.headers['x-request-id']);
  });

  it('limits sign-in API POSTs per client IP with a JSON 429, and nothing else', async () => {
    const client = { 'x-forwarded-for': '198.51.100.10', 'content-type': 'application/json' };
    const post = (path: string, headers = client) =>
      send(edge.url, path, { method: 'POST', headers, body: '{"email":"ada@example.com"}' });

    // EDGE_RATE_AUTH_BURST=3: the first POST and three more pass at once.
    for (let attempt = 1; attempt <= 4; attempt++)
      expect((await post('/api/v1/simple_auth/signin')).status).toBe(200);
    const limited = await post('/api/v1/simple_auth/signin');
    expect(limited.status).toBe(429);
    expect(limited.headers).toEqual(
      expect.objectContaining({
        // The gateway's own JSON content type, charset included.
        'content-type': 'application/json; charset=utf-8',
        'retry-after': '6',
        'x-authflow-error': 'rate_limited',
        'cache-control': 'no-store',
      }),
    );
    expect(limited.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: 'Too many requests. Try again shortly.',
        request_id: limited.headers['x-request-id'],
      },
    });

    // No other spelling of the path escapes the limit, and signup and password reset share it.
    for (const path of [
      '/api/v1/simple_auth/signin?next=%2Fapp%2F',
      '/api/v1/simple_auth/signin/',
      '/api/v1/simple_auth//signin',
      '/api/v1/simple_auth/sign%69n',
      '/API/v1/simple_auth/SIGNIN',
      '/api/v1/simple_auth/signup',
      '/api/v1/simple_auth/forgot-password',
    ])
      expect((await post(path)).status, path).toBe(429);

    // Not limited by it: GETs of the same path, other POSTs, other clients.
    expect((await send(edge.url, '/api/v1/simple_auth/signin', { headers: client })).status).toBe(
      200,
    );
    expect((await post('/api/v1/simple_auth/logout')).status).toBe(200);
    expect(
      (await post('/api/v1/simple_auth/signin', { ...client, 'x-forwarded-for': '198.51.100.11' }))
        .status,
    ).toBe(200);
    // Refused POSTs never reached auth.
    const reachedAuth = auth.received.filter(
      (request) =>
        request.method === 'POST' &&
        request.headers['x-forwarded-for'] === '198.51.100.10, 127.0.0.1' &&
        !request.url.endsWith('/logout'),
    );
    expect(reachedAuth).toHaveLength(4);
  });

  it('limits sign-in form posts to /auth/login the same way, never the login page itself', async () => {
    const client = { 'x-forwarded-for': '198.51.100.20' };
    const post = (path: string) =>
      send(edge.url, path, {
        method: 'POST',
        headers: { ...client, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=ada%40example.com&password=correct-horse',
      });
    // Showing the form costs nothing of the sign-in budget.
    for (let view = 1; view <= 6; view++)
      expect((await send(edge.url, '/auth/login', { headers: client })).status).toBe(200);
    for (let attempt = 1; attempt <= 4; attempt++)
      expect((await post('/auth/login')).status).toBe(200);

    const limited = await post('/auth/login');
    expect(limited.status).toBe(429);
    expect(limited.headers['x-authflow-error']).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBe('6');
    expect(limited.json<ErrorBody>().error.code).toBe('rate_limited');
    expect((await post('/auth/signup')).status).toBe(429);
    expect((await post('/auth/forgot-password')).status).toBe(429);
    expect((await send(edge.url, '/auth/login', { headers: client })).status).toBe(200);
  });

  it('carries a WebSocket upgrade through edge and gateway to the backend', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const socket = new WebSocket(`ws://127.0.0.1:${edge.port}/app/ws`, {
      headers: { ...chromeOnMac.headers, cookie },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const echoed = new Promise<string>((resolve) =>
        socket.once('message', (data: Buffer) => resolve(data.toString())),
      );
      socket.send('hello through the edge');
      expect(await echoed).toBe('hello through the edge');
      expect(backend.received.at(-1)).toEqual(
        expect.objectContaining({ method: 'UPGRADE', url: '/app/ws' }),
      );
      // Upgrades run under their own idle timeout (EDGE_WEBSOCKET_IDLE_TIMEOUT=1s here)...
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5_000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      expect(closed).toBe(true);
    } finally {
      socket.terminate();
    }
    // ...while plain requests keep the 60 s read timeout: a 1.5 s answer still arrives.
    backend.delayMs = 1_500;
    try {
      const slow = await send(edge.url, '/app/slow', {
        headers: { ...chromeOnMac.headers, ...asJson, cookie },
      });
      expect(slow.status).toBe(200);
    } finally {
      backend.delayMs = 0;
    }
  });

  it('hides its version, keeps /metrics inside and refuses bodies over its limit', async () => {
    const proxied = await send(edge.url, '/health');
    expect(proxied.status).toBe(200);
    expect(proxied.headers.server).toBe('nginx');

    for (const path of ['/metrics', '/metrics/', '/metrics?name=x', '/%6Detrics', '//metrics']) {
      const metrics = await send(edge.url, path);
      expect(metrics.status, path).toBe(404);
      expect(metrics.headers.server).toBe('nginx');
      expect(metrics.json<ErrorBody>().error.code).toBe('not_found');
    }
    // They are there, for Prometheus on the gateway's own port.
    expect((await gateway.get('/metrics')).body).toContain('authflow_gateway_');

    // EDGE_MAX_BODY_SIZE=1m: a 2 MiB upload is refused on its announced length.
    const tooLarge = await send(edge.url, '/api/v1/simple_auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'content-length': String(2 * 1024 * 1024) },
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers['x-authflow-error']).toBe('payload_too_large');
    expect(tooLarge.json<ErrorBody>().error.code).toBe('payload_too_large');

    // A body within the limits (the edge's, and the gateway's 64 KiB for auth routes) arrives
    // intact; at 60 KiB nginx still buffers it to its temporary folder first.
    const body = 'x'.repeat(60 * 1024);
    const accepted = await send(edge.url, '/api/v1/simple_auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    expect(accepted.status).toBe(200);
    expect(auth.received.at(-1)?.body).toBe(body);
  });

  it('answers 503 upstream_unavailable in JSON when the gateway cannot be reached', async () => {
    const nobody = await getFreePort();
    const lonely = await startEdge({ values: { AUTHFLOW_GATEWAY_ADDRESS: `127.0.0.1:${nobody}` } });
    try {
      const response = await send(lonely.url, '/app/');
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.headers['x-authflow-error']).toBe('upstream_unavailable');
      expect(response.json<ErrorBody>().error.code).toBe('upstream_unavailable');
    } finally {
      await lonely.stop();
    }
  });
});

describe('the edge with its production TLS lines enabled', () => {
  let tlsEdge: EdgeHandle;
  let certificate: string;
  let tlsPort: number;
  let redirectPort: number;

  beforeAll(async () => {
    const folder = await mkdtemp(join(tmpdir(), 'authflow-edge-tls-'));
    const [certPath, keyPath] = [join(folder, 'cert.pem'), join(folder, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    certificate = await readFile(certPath, 'utf8');
    [tlsPort, redirectPort] = [await getFreePort(), await getFreePort()];
    tlsEdge = await startEdge({
      tls: true,
      values: {
        AUTHFLOW_GATEWAY_ADDRESS: gatewayAddress,
        EDGE_TLS_PORT: String(tlsPort),
        EDGE_HTTP_REDIRECT_PORT: String(redirectPort),
        EDGE_TLS_CERTIFICATE: certPath,
        EDGE_TLS_CERTIFICATE_KEY: keyPath,
      },
    });
  });
  afterAll(async () => {
    await tlsEdge.stop();
  });

  it('serves HTTPS with HSTS and tells the gateway the request came over https', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const response = await send(`https://127.0.0.1:${tlsPort}`, '/app/secure', {
      ca: certificate,
      headers: { ...chromeOnMac.headers, ...asJson, cookie },
    });
    expect(response.status).toBe(200);
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(backend.received.at(-1)?.headers['x-forwarded-proto']).toBe('https');
    // HSTS means nothing over plain HTTP, and is not sent there.
    const plain = await send(tlsEdge.url, '/health');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('redirects plain HTTP on the redirect port to HTTPS, except ACME challenges', async () => {
    const redirect = await send(`http://127.0.0.1:${redirectPort}`, '/app/x?y=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://127.0.0.1/app/x?y=1');
    const challenge = await send(
      `http://127.0.0.1:${redirectPort}`,
      '/.well-known/acme-challenge/t',
    );
    expect(challenge.status).toBe(404);
  });
});

describe('the rendered configuration', () => {
  it('passes nginx -t with every default value', async () => {
    const prefix = await mkdtemp(join(tmpdir(), 'authflow-edge-check-'));
    // Only the access log moves: /dev/stdout cannot be opened when the runner's stdout is a socket.
    const httpBody = renderEdgeConfig({ EDGE_ACCESS_LOG: join(prefix, 'access.log') });
    const confPath = await prepareNginxPrefix(prefix, renderNginxConf(httpBody, prefix));
    const check = checkNginxConfig(findNginx()!, prefix, confPath);
    expect(check.ok, check.output).toBe(true);
  });
});

describe('npm run start:edge', () => {
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** Runs the script as `node nginx/start-edge.ts` with only the given environment (and PATH). */
  function runScript(env: Record<string, string>) {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'start-edge.ts')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(child);
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { child, output, exited };
  }

  it('renders, checks and runs nginx in the foreground, and stops gracefully on SIGTERM', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'authflow-edge-run-'));
    const port = await getFreePort();
    const { child, output, exited } = runScript({
      EDGE_RUN_DIR: runDir,
      EDGE_PORT: String(port),
      AUTHFLOW_GATEWAY_ADDRESS: gatewayAddress,
    });
    await vi.waitFor(() => expect(output.stdout).toContain(`http://127.0.0.1:${port}`), {
      timeout: 10_000,
    });
    expect((await send(`http://127.0.0.1:${port}`, '/health')).status).toBe(200);
    expect(await readFile(join(runDir, 'nginx.conf'), 'utf8')).toContain(`listen ${port};`);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.stdout).toContain('stopping gracefully');
    // stdout is a pipe (a socket) here, which nginx cannot open: the access log is a file.
    expect(await readFile(join(runDir, 'access.log'), 'utf8')).toContain('"path":"/health"');
  });

  it('says how to install nginx when it is missing', async () => {
    const { output, exited } = runScript({ EDGE_NGINX_BINARY: '/nonexistent/nginx' });
    expect(await exited).toBe(1);
    expect(output.stderr).toContain('apt-get install nginx');
  });

  it('stops before starting nginx when a value cannot be rendered or nginx -t refuses it', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'authflow-edge-run-'));
    const unsafe = runScript({ EDGE_RUN_DIR: runDir, EDGE_PORT: '8080; daemon on' });
    expect(await unsafe.exited).toBe(1);
    expect(unsafe.output.stderr).toContain('not a single nginx value');

    const refused = runScript({ EDGE_RUN_DIR: runDir, EDGE_RATE_AUTH: 'often' });
    expect(await refused.exited).toBe(1);
    expect(refused.output.stderr).toContain('nginx refused the configuration');
    expect(refused.output.stderr).toContain('invalid rate');
  });
});
