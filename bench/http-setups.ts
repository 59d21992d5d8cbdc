// The HTTP setups measured side by side: what each one is, where its load goes, what it carries.
import { BROWSER_HEADERS } from './browser-profile.ts';
import { POLICY_PATH, PROTECTED_PATH } from './gateway-process.ts';
import type { LoadTarget } from './load-generator.ts';
import type { HttpSetupId } from './options.ts';
import type { Stack } from './stack.ts';

export interface HttpSetup {
  readonly id: HttpSetupId;
  readonly title: string;
  readonly description: string;
  readonly target: LoadTarget;
  /** What a correct answer looks like (checked once before measuring). */
  readonly expectedStatus: number;
  /** The gateway whose /metrics tell this setup's session-cache hits, when one is involved. */
  readonly gatewayUrl?: string;
}

export const SETUP_TEXT: Readonly<Record<HttpSetupId, { title: string; description: string }>> = {
  backend: {
    title: 'backend direct',
    description: 'the node:http backend itself (120-byte JSON): the ceiling of every proxied setup',
  },
  'nginx-proxy': {
    title: 'nginx plain proxy',
    description: 'nginx reverse proxy to the backend, keep-alive upstream, no authentication',
  },
  'node-proxy': {
    title: 'bare Node proxy',
    description:
      'node:http in, undici Pool.dispatch out to the backend, nothing else: the Node ceiling (issue 18)',
  },
  'nginx-204': {
    title: 'nginx return 204',
    description: 'nginx answering by itself: the ceiling of any forward-auth answer',
  },
  'gateway-warm': {
    title: 'gateway, warm cache',
    description:
      'full protected path: cookie → session (in-process cache, warmed) → fingerprint → signed assertion → proxy',
  },
  'gateway-b': {
    title: 'gateway B (experiment), warm cache',
    description:
      'the full protected path through the A/B experiment (--gateway-b, --gateway-b-flags), same rounds',
  },
  'gateway-policy': {
    title: 'gateway, policy route',
    description:
      'the warm path to a route with a policy (allow roles [member], methods): held to ≤ 5 % over gateway-warm',
  },
  'gateway-nocache': {
    title: 'gateway, cache disabled',
    description: 'same path with GATEWAY_SESSION_CACHE_TTL_MS=0: one Redis lookup per request',
  },
  'gateway-verify': {
    title: 'gateway /verify',
    description: 'forward-auth answer only (X-Original-URI), warm cache, no proxying',
  },
  'nginx-gateway': {
    title: 'nginx → gateway → backend',
    description: 'the deployed shape: the edge in front of the warm-cache gateway',
  },
  'nginx-verify': {
    title: 'nginx auth_request + gateway /verify',
    description: 'nginx asks the warm-cache gateway /verify (forward-auth mode), then proxies',
  },
  'nginx-auth-request': {
    title: 'nginx auth_request + Node verifier',
    description: 'nginx asks a small Node service (one Redis HGET per request), then proxies',
  },
  'express-session': {
    title: 'express-session peer',
    description: 'express + express-session + connect-redis + http-proxy-middleware',
  },
};

const headers = BROWSER_HEADERS;

export async function buildHttpSetup(id: HttpSetupId, stack: Stack): Promise<HttpSetup> {
  const text = SETUP_TEXT[id];
  const make = (
    origin: string,
    cookies: readonly string[],
    more: {
      readonly extraHeaders?: Readonly<Record<string, string>>;
      readonly path?: string;
      readonly expectedStatus?: number;
      readonly gatewayUrl?: string;
    } = {},
  ): HttpSetup => ({
    id,
    ...text,
    target: {
      name: id,
      origin,
      path: more.path ?? PROTECTED_PATH,
      headers: { ...headers, ...more.extraHeaders },
      cookies,
    },
    expectedStatus: more.expectedStatus ?? 200,
    ...(more.gatewayUrl === undefined ? {} : { gatewayUrl: more.gatewayUrl }),
  });
  const gatewayCookies = async (): Promise<string[]> =>
    (await stack.gatewaySessions()).map((session) => session.cookie);
  switch (id) {
    case 'backend':
      return make((await stack.backend()).url, await gatewayCookies());
    case 'nginx-proxy':
      await stack.backend();
      return make(origin((await stack.nginx()).ports.proxy), await gatewayCookies());
    case 'node-proxy':
      return make((await stack.bareProxy()).url, await gatewayCookies());
    case 'nginx-204':
      return make(origin((await stack.nginx()).ports.noContent), await gatewayCookies(), {
        expectedStatus: 204,
      });
    case 'gateway-warm': {
      const gateway = await stack.gateway('warm');
      return make(gateway.url, await gatewayCookies(), { gatewayUrl: gateway.url });
    }
    case 'gateway-b': {
      const gateway = await stack.gateway('b');
      return make(gateway.url, await gatewayCookies(), { gatewayUrl: gateway.url });
    }
    case 'gateway-policy': {
      const gateway = await stack.gateway('warm');
      return make(gateway.url, await gatewayCookies(), {
        path: POLICY_PATH,
        gatewayUrl: gateway.url,
      });
    }
    case 'gateway-nocache': {
      const gateway = await stack.gateway('nocache');
      return make(gateway.url, await gatewayCookies(), { gatewayUrl: gateway.url });
    }
    case 'gateway-verify': {
      const gateway = await stack.gateway('warm');
      return make(gateway.url, await gatewayCookies(), {
        extraHeaders: { 'x-original-uri': PROTECTED_PATH },
        path: '/verify',
        gatewayUrl: gateway.url,
      });
    }
    case 'nginx-gateway': {
      const gateway = await stack.gateway('warm');
      return make(origin((await stack.nginx()).ports.edge), await gatewayCookies(), {
        gatewayUrl: gateway.url,
      });
    }
    case 'nginx-verify': {
      const [gateway] = await Promise.all([stack.gateway('warm'), stack.backend()]);
      return make(origin((await stack.nginx()).ports.verify), await gatewayCookies(), {
        gatewayUrl: gateway.url,
      });
    }
    case 'nginx-auth-request':
      await Promise.all([stack.backend(), stack.verifier()]);
      return make(origin((await stack.nginx()).ports.authRequest), await gatewayCookies());
    case 'express-session':
      return make((await stack.expressPeer()).url, await stack.expressCookies());
  }
}

const origin = (port: number): string => `http://127.0.0.1:${port}`;
