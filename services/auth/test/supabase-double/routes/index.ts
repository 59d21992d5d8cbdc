// The double's route table (paths below /auth/v1) and the matcher the server dispatches with.
import type { RouteHandler } from '../double-request.js';
import { handleAdminDeleteFactor, handleAdminListFactors } from './admin-factors.js';
import { handleAdminListUsers } from './admin-user-list.js';
import { handleAdminUpdateUser } from './admin-user-update.js';
import { handleAdminDeleteUser, handleAdminGetUser } from './admin-users.js';
import { handleChallengeFactor, handleVerifyFactor } from './factor-challenge.js';
import { handleEnrollFactor, handleUnenrollFactor } from './factors.js';
import { handleGenerateLink } from './generate-link.js';
import { handleJwks } from './jwks.js';
import { handleLogout } from './logout.js';
import { handleRecover } from './recover.js';
import { handleSignup } from './signup.js';
import { handleToken } from './token.js';
import { handleGetUser, handleUpdateUser } from './user.js';
import { handleVerify } from './verify.js';
import { handleAuthorize } from '../oauth.js';

export interface Route {
  readonly method: string;
  /** Segments starting with `:` capture a parameter. */
  readonly pattern: string;
  readonly handler: RouteHandler;
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: '/signup', handler: handleSignup },
  { method: 'POST', pattern: '/token', handler: handleToken },
  { method: 'POST', pattern: '/logout', handler: handleLogout },
  { method: 'POST', pattern: '/recover', handler: handleRecover },
  { method: 'POST', pattern: '/verify', handler: handleVerify },
  { method: 'GET', pattern: '/user', handler: handleGetUser },
  { method: 'PUT', pattern: '/user', handler: handleUpdateUser },
  { method: 'GET', pattern: '/admin/users', handler: handleAdminListUsers },
  { method: 'GET', pattern: '/admin/users/:id', handler: handleAdminGetUser },
  { method: 'PUT', pattern: '/admin/users/:id', handler: handleAdminUpdateUser },
  { method: 'DELETE', pattern: '/admin/users/:id', handler: handleAdminDeleteUser },
  { method: 'GET', pattern: '/admin/users/:id/factors', handler: handleAdminListFactors },
  {
    method: 'DELETE',
    pattern: '/admin/users/:id/factors/:factorId',
    handler: handleAdminDeleteFactor,
  },
  { method: 'POST', pattern: '/admin/generate_link', handler: handleGenerateLink },
  { method: 'POST', pattern: '/factors', handler: handleEnrollFactor },
  { method: 'POST', pattern: '/factors/:id/challenge', handler: handleChallengeFactor },
  { method: 'POST', pattern: '/factors/:id/verify', handler: handleVerifyFactor },
  { method: 'DELETE', pattern: '/factors/:id', handler: handleUnenrollFactor },
  { method: 'GET', pattern: '/.well-known/jwks.json', handler: handleJwks },
  { method: 'GET', pattern: '/authorize', handler: handleAuthorize },
];

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed' }
  | { readonly kind: 'not-found' };

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  let pathMatched = false;
  for (const route of routes) {
    const params = matchPattern(route.pattern, path);
    if (params === null) continue;
    if (route.method === method) return { kind: 'found', route, params };
    pathMatched = true;
  }
  return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
}

function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const expected = pattern.split('/');
  const actual = path.replace(/\/+$/, '').split('/');
  if (expected.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (const [index, segment] of expected.entries()) {
    const value = actual[index] ?? '';
    if (segment.startsWith(':')) {
      if (value === '') return null;
      params[segment.slice(1)] = safeDecode(value);
    } else if (segment !== value) {
      return null;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
