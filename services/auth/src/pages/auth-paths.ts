// The auth service URLs the pages link and post to: the contract with the route code.

export const AUTH_PATHS = {
  login: '/auth/login',
  logout: '/auth/logout',
  signup: '/auth/signup',
  forgotPassword: '/auth/forgot-password',
  resetPassword: '/auth/reset-password',
  revokeSession: '/auth/sessions/revoke',
  revokeOtherSessions: '/auth/sessions/revoke-others',
} as const;

/**
 * Appends `?next=` when there is somewhere to return to. URL-encoded so the value stays one
 * query parameter; the routes still validate it before redirecting anywhere.
 */
export function withNext(path: string, next: string | undefined): string {
  return next !== undefined && next !== '' ? `${path}?next=${encodeURIComponent(next)}` : path;
}
