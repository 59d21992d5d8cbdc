import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { gatewayErrors } from '@authflow/gateway/errors';
import { ERROR_PAGE_CSP } from '@authflow/errors';
import { readEdgeErrorFiles, renderEdgeErrorFiles } from './error-pages.ts';
import {
  EDGE_DEFAULTS,
  EDGE_ERROR_PAGES_ROOT,
  enableTls,
  placeholdersOf,
  readEdgeTemplate,
  renderEdgeConfig,
  renderNginxConf,
} from './render-config.ts';

const template = readEdgeTemplate();
const readme = await readFile(new URL('README.md', import.meta.url), 'utf8');

/** The live (uncommented) directive lines of a configuration. */
const liveLines = (config: string): string[] =>
  config
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

describe('the edge template', () => {
  it('uses placeholders only for deployment values, each with a default, and every default', () => {
    const names = placeholdersOf(template);
    // Lower-case ${...} would be an nginx runtime variable that envsubst might replace.
    for (const name of names) expect(name).toMatch(/^(EDGE|AUTHFLOW)_[A-Z0-9_]+$/u);
    expect([...names].sort()).toEqual(Object.keys(EDGE_DEFAULTS).sort());
  });

  it('keeps the production TLS lines commented out until enabled', () => {
    expect(liveLines(template).filter((line) => /\bssl\b|ssl_/u.test(line))).toEqual([]);
    const tls = liveLines(enableTls(template));
    expect(tls).toContain('listen ${EDGE_TLS_PORT} ssl http2;');
    expect(tls).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
    expect(tls).toContain('ssl_prefer_server_ciphers off;');
    expect(tls).toContain('ssl_session_tickets off;');
    expect(tls).toContain('return 301 https://$host$request_uri;');
  });

  it("answers nginx's own errors in the gateway's JSON shape, with the registry's codes, statuses and messages", () => {
    const returned = [...template.matchAll(/^\s*return (\d{3}) '(\{.*\})';$/gmu)].map(
      ([, status = '', body = '']) => [status, body],
    );
    expect(returned.map(([status]) => status)).toEqual(['404', '413']);
    // The others are files (nginx/error-pages/<status>.json), their request id filled by SSI.
    const served = [...readEdgeErrorFiles()]
      .filter(([name]) => name.endsWith('.json'))
      .map(([name, body]) => [
        name.slice(0, 3),
        body.trim().replace('"<!--# echo var="request_id" -->"', '"$request_id"'),
      ]);
    expect(served.map(([status]) => status)).toEqual(['429', '431', '503', '504']);
    for (const [status, body = ''] of [...returned, ...served]) {
      const { error } = JSON.parse(body) as {
        error: {
          code: keyof typeof gatewayErrors.definitions;
          message: string;
          request_id: string;
        };
      };
      expect(gatewayErrors.definitions[error.code]).toEqual({
        status: Number(status),
        message: error.message,
      });
      expect(error.request_id).toBe('$request_id');
      if (returned.some(([returnedStatus]) => returnedStatus === status))
        expect(template).toContain(`add_header x-authflow-error ${error.code} always;`);
      else expect(template).toMatch(new RegExp(`^\\s+${status}\\s+${error.code};$`, 'mu'));
    }
  });

  it('serves a page for browsers and JSON for everyone else for each of those errors', () => {
    for (const status of ['429', '431', '503', '504'])
      expect(template).toContain(`/authflow-error-pages/${status}.$authflow_error_format;`);
    expect(template).toContain('error_page 494 =431 ');
    expect(template).toContain('error_page 502 503 =503 ');
    expect(template).toContain(`add_header Content-Security-Policy "${ERROR_PAGE_CSP}" always;`);
    expect(template).toContain(`alias ${EDGE_ERROR_PAGES_ROOT}/;`);
  });

  it('ships the error pages as the shared renderer draws them (node nginx/write-error-pages.ts)', () => {
    expect(readEdgeErrorFiles()).toEqual(renderEdgeErrorFiles());
  });
});

describe('renderEdgeConfig', () => {
  it('fills every placeholder, from the values given, then from the defaults', () => {
    const rendered = renderEdgeConfig({
      EDGE_PORT: '9090',
      AUTHFLOW_GATEWAY_ADDRESS: 'gateway:8000',
      EDGE_RATE_AUTH: '',
    });
    expect(rendered).not.toMatch(/\$\{/u);
    expect(rendered).toContain('listen 9090;');
    expect(rendered).toContain('server gateway:8000;');
    // An empty value counts as unset, as an empty environment variable would.
    expect(rendered).toContain('zone=authflow_auth:10m rate=10r/m;');
    expect(rendered).toContain('set_real_ip_from 127.0.0.1;');
    // nginx's own variables are left alone.
    expect(rendered).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
  });

  it('names every placeholder left without a value, all at once', () => {
    expect(() =>
      renderEdgeConfig(
        {},
        'listen ${EDGE_PORT}; a ${EDGE_FIRST_UNKNOWN}; b ${EDGE_SECOND_UNKNOWN};',
      ),
    ).toThrow(
      'Cannot render the edge configuration: no value for EDGE_FIRST_UNKNOWN, EDGE_SECOND_UNKNOWN. ' +
        'Set them in the environment (see nginx/README.md).',
    );
  });

  it('refuses a value that would add nginx directives', () => {
    expect(() => renderEdgeConfig({ EDGE_PORT: '8080; include /etc/passwd' })).toThrow(
      /not a single nginx value .*EDGE_PORT="8080; include \/etc\/passwd"/u,
    );
    expect(() => renderEdgeConfig({ EDGE_TRUSTED_LOAD_BALANCERS: '10.0.0.0/8 }' })).toThrow(
      /EDGE_TRUSTED_LOAD_BALANCERS/u,
    );
  });
});

describe('renderNginxConf', () => {
  it('wraps the http body into a complete nginx.conf whose files all live under the prefix', () => {
    const conf = renderNginxConf('    server { listen 1; }', '/tmp/edge run');
    expect(conf).toContain('pid "/tmp/edge run/nginx.pid";');
    expect(conf).toContain('error_log "/tmp/edge run/error.log" warn;');
    expect(conf).toContain('proxy_temp_path "/tmp/edge run/temp/proxy";');
    expect(conf).toContain('client_body_temp_path "/tmp/edge run/temp/client_body";');
    expect(conf).toMatch(/events \{[^}]*\}\s*http \{[\s\S]*server \{ listen 1; \}\s*\}\s*$/u);
    // `-g 'daemon off;'` on the command line would clash with a daemon directive here.
    expect(conf).not.toContain('daemon');
    expect(renderNginxConf('', '/p', { errorLog: 'stderr' })).toContain('error_log "stderr" warn;');
  });
});

describe('the edge README', () => {
  it('documents every template value with its default', () => {
    const documented = Object.fromEntries(
      [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` +\| `([^`]*)` +\|/gmu)].map((match) => [
        match[1],
        match[2],
      ]),
    );
    expect(documented).toMatchObject(EDGE_DEFAULTS);
  });
});
