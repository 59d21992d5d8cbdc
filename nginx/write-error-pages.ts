// Writes nginx/error-pages/ from the shared page renderer and the gateway's error registry
// (`npm run build` first; error-pages.test.ts fails while the files are out of date).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderEdgeErrorFiles } from './error-pages.ts';
import { EDGE_ERROR_PAGES_DIR } from './render-config.ts';

const files = renderEdgeErrorFiles();
await mkdir(EDGE_ERROR_PAGES_DIR, { recursive: true });
for (const name of await readdir(EDGE_ERROR_PAGES_DIR))
  if (!files.has(name)) await rm(join(EDGE_ERROR_PAGES_DIR, name));
for (const [name, content] of files) await writeFile(join(EDGE_ERROR_PAGES_DIR, name), content);
process.stdout.write(`wrote ${[...files.keys()].join(', ')} to ${EDGE_ERROR_PAGES_DIR}\n`);
