// GET /app/ (the page), /app (a redirect to it), and the page's script and stylesheet.
import type { FastifyInstance } from 'fastify';
import { APP_PATHS } from '../app-paths.js';
import { requireIdentity } from '../identity/require-identity.js';
import { HOME_PAGE_HEADERS, renderHomePage } from '../pages/home-page.js';
import { loadStaticAssets } from './static-assets.js';

export async function homePageRoutes(app: FastifyInstance): Promise<void> {
  const assets = await loadStaticAssets();

  // The gateway's `/app/` route also covers `/app`; the page's links are absolute either way.
  app.get('/app', (_request, reply) => reply.redirect(APP_PATHS.home, 302));

  app.get(APP_PATHS.home, (request, reply) =>
    reply
      .headers(HOME_PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(renderHomePage(requireIdentity(request))),
  );

  // Behind the gateway like everything else: only a signed-in browser can load them.
  for (const asset of assets) {
    app.get(asset.path, (_request, reply) =>
      reply
        .type(asset.contentType)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(asset.body),
    );
  }
}
