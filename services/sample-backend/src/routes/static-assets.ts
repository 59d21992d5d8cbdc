// The page's script and stylesheet, read once at start from the package's static/ folder.
import { readFile } from 'node:fs/promises';
import { APP_PATHS } from '../app-paths.js';

export interface StaticAsset {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

/** From src/routes/ and from dist/routes/ alike, the folder is two levels up. */
const STATIC_FOLDER = new URL('../../static/', import.meta.url);

export async function loadStaticAssets(): Promise<readonly StaticAsset[]> {
  const [script, stylesheet] = await Promise.all([
    readFile(new URL('app.js', STATIC_FOLDER), 'utf8'),
    readFile(new URL('app.css', STATIC_FOLDER), 'utf8'),
  ]);
  return [
    { path: APP_PATHS.script, contentType: 'text/javascript; charset=utf-8', body: script },
    { path: APP_PATHS.stylesheet, contentType: 'text/css; charset=utf-8', body: stylesheet },
  ];
}
