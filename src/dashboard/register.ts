/**
 * The live monitoring page: GET /dashboard and its assets under /dashboard/assets/. The page is static;
 * everything it shows it reads from the server itself in the browser — the WebSocket (book:PAIR and
 * trades:PAIR), GET /api/orderbook (AMM reserves), /api/performance/metrics and /api/health — so the
 * server does no work for it beyond serving these files. The files (ours and uPlot's, from node_modules)
 * are read once, when the routes are registered.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';

export interface DashboardDeps {
  /** runs before each dashboard request, e.g. the public rate limit */
  readonly onRequest?: onRequestHookHandler;
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const HERE = dirname(fileURLToPath(import.meta.url));
// beside this file when run from src (tsx); a tsc build (dist/dashboard/) copies no assets: use src's
const PUBLIC_DIR = [join(HERE, 'public'), join(HERE, '..', '..', 'src', 'dashboard', 'public')].find((d) => existsSync(join(d, 'index.html'))) ?? join(HERE, 'public');

// the page loads scripts and styles from this origin only, and talks to its /api and /ws
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'";

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const own = (name: string, type: string): [string, Asset] => [name, { type, body: readFileSync(join(PUBLIC_DIR, name)) }];
  return new Map<string, Asset>([
    own('dashboard.js', JS),
    own('depth-math.js', JS),
    own('book-state.js', JS),
    own('dashboard.css', CSS),
    ['uPlot.iife.min.js', { type: JS, body: readFileSync(join(uplotDir, 'uPlot.iife.min.js')) }],
    ['uPlot.min.css', { type: CSS, body: readFileSync(join(uplotDir, 'uPlot.min.css')) }],
  ]);
}

export function registerDashboard(app: FastifyInstance, deps: DashboardDeps = {}): void {
  const page = readFileSync(join(PUBLIC_DIR, 'index.html'));
  const assets = loadAssets();
  const onRequest = deps.onRequest === undefined ? [] : [deps.onRequest];

  app.get('/dashboard', {
    onRequest,
    schema: { tags: ['dashboard'], summary: 'Live monitoring page (HTML)' },
    handler: async (_request, reply) => {
      reply.header('content-security-policy', CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8');
      return page;
    },
  });

  app.get<{ Params: { name: string } }>('/dashboard/assets/:name', {
    onRequest,
    schema: { tags: ['dashboard'], summary: 'The dashboard page\'s scripts and styles' },
    handler: async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (asset === undefined) return reply.callNotFound();
      reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').type(asset.type);
      return asset.body;
    },
  });
}
