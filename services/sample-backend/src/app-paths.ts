// The URLs this service serves and links to: one place, so pages, routes and tests agree.

/** Served here, under the prefix the gateway routes to this backend. */
export const APP_PATHS = {
  home: '/app/',
  profile: '/app/api/profile',
  headers: '/app/api/headers',
  socket: '/app/ws',
  script: '/app/static/app.js',
  stylesheet: '/app/static/app.css',
} as const;

/** Served by the auth service, through the gateway, on the same origin. */
export const AUTH_PATHS = {
  security: '/auth/security',
  sessions: '/auth/sessions',
  /** A GET confirmation page that posts the logout with a CSRF token. */
  logout: '/auth/logout',
} as const;
