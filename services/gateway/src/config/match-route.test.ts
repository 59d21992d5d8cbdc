import { describe, expect, it } from 'vitest';
import { matchRoute } from './match-route.js';
import type { ProxyRoute } from './routes-file.js';

const route = (prefix: string, upstream: string, hosts?: string[]): ProxyRoute => ({
  prefix,
  upstream,
  access: 'public',
  mode: 'auto',
  websocket: false,
  ...(hosts === undefined ? {} : { hosts }),
});

describe('matchRoute with hosts', () => {
  const routes = [
    route('/', 'root-admin', ['admin.example.com']),
    route('/app/', 'app'),
    route('/app/admin/', 'admin-app', ['admin.example.com', '*.admin.example.com']),
    route('/api/', 'api-eu', ['eu.example.com']),
    route('/api/', 'api-us', ['us.example.com']),
  ];

  it.each([
    // A hostless route serves every host; longest prefix first, the host only filters.
    ['www.example.com', '/app/x', 'app'],
    ['admin.example.com', '/app/x', 'app'],
    ['admin.example.com', '/app/admin/users', 'admin-app'],
    ['eu.admin.example.com', '/app/admin/users', 'admin-app'],
    ['www.example.com', '/app/admin/users', 'app'],
    ['admin.example.com', '/elsewhere', 'root-admin'],
    ['www.example.com', '/elsewhere', undefined],
    ['eu.example.com', '/api/v1', 'api-eu'],
    ['us.example.com', '/api/v1', 'api-us'],
    ['example.com', '/api/v1', undefined],
    ['', '/app/admin/', 'app'],
  ])('%j %s → %s', (host, path, upstream) => {
    expect(matchRoute(routes, path, host)?.upstream).toBe(upstream);
  });
});
