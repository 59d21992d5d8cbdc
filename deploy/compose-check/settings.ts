// Paths, names and fixed facts of the container path that every check shares.
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const COMPOSE_FILE = join(REPO, 'docker-compose.yml');
export const GENERATOR = join(REPO, 'deploy', 'generate-secrets.ts');
export const NGINX_TEMPLATE = join(REPO, 'nginx', 'authflow.conf.template');
/** The edge's error pages, and where the template finds them in the image (its prefix is /etc/nginx). */
export const NGINX_ERROR_PAGES = join(REPO, 'nginx', 'error-pages');
export const NGINX_ERROR_PAGES_TARGET = '/etc/nginx/authflow-error-pages';
export const DEFAULT_SECRETS_DIR = join(REPO, 'deploy', 'secrets');
export const ENV_DIR = join(REPO, 'deploy', 'env');

export const PROJECT_NAME = 'authflow';
export const SECRET_ENV_FILES = ['authflow.env', 'auth.env', 'redis.env', 'postgres.env'] as const;
export const SIGNING_KEYS_FILE = 'gateway-signing-keys.json';
export const SECRET_FILES = [...SECRET_ENV_FILES, SIGNING_KEYS_FILE];

export interface NodeService {
  readonly name: 'gateway' | 'auth' | 'sample-backend';
  /** Prefix of its variables: GATEWAY_HOST, AUTH_PORT, SAMPLE_BACKEND_SHUTDOWN_DRAIN_MS... */
  readonly prefix: string;
  readonly defaultPort: number;
}
export const NODE_SERVICES: readonly NodeService[] = [
  { name: 'gateway', prefix: 'GATEWAY', defaultPort: 8000 },
  { name: 'auth', prefix: 'AUTH', defaultPort: 8001 },
  { name: 'sample-backend', prefix: 'SAMPLE_BACKEND', defaultPort: 8002 },
];
export const EXPECTED_SERVICES = [
  'redis',
  'postgres',
  'auth',
  'gateway',
  'sample-backend',
  'nginx',
];
/** Top-level folders of a service that are not needed at run time (everything else must ship). */
export const NOT_RUNTIME = new Set([
  'src',
  'test',
  'tests',
  'dist',
  'node_modules',
  'coverage',
  'examples',
  // Documentation (services/auth/docs/single-sign-on.md): read by people, not by the service.
  'docs',
]);
/** nginx's rule for a rendered value (nginx/render-config.ts): one word, nothing that ends it. */
export const UNSAFE_NGINX_VALUE = /[\s;{}"'#$\\]/u;
