import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The policy every UI response carries: scripts, styles and connections from this origin only, no
 * inline script or style (so an injected `<script>` or `style=` does nothing), never framed.
 */
export const UI_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Pages of the single-page UI: each answers with `index.html`; the script picks the view. */
export const UI_PAGES = ['/', '/sessions', '/admin', '/tools', '/reset'] as const;

/** Where the UI's files are served from: `/ui/<path under packages/web/src>`. */
export const UI_ASSET_PREFIX = '/ui/';

// packages/server/src/http/routes → packages/web/src. A path, not a package import: the server
// serves the files as they are, and the workspace needs no install step to find them. The published
// package carries a copy beside its bundle (dist/web/, made by the build).
const BUNDLED_WEB_ROOT = fileURLToPath(new URL('./web/', import.meta.url));
const DEFAULT_WEB_ROOT = existsSync(BUNDLED_WEB_ROOT)
  ? BUNDLED_WEB_ROOT
  : fileURLToPath(new URL('../../../../web/src/', import.meta.url));
// The built @gatehouse/client (`npm run build`), served under `/ui/client/` when the UI runs on the
// hybrid; the published package carries it in dist/client/.
const BUNDLED_CLIENT_ROOT = fileURLToPath(new URL('./client/', import.meta.url));
const DEFAULT_CLIENT_ROOT = existsSync(BUNDLED_CLIENT_ROOT)
  ? BUNDLED_CLIENT_ROOT
  : fileURLToPath(new URL('../../../../client/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

/** Reads the UI once, at start-up: every request is answered from memory. Test files are left out. */
export function loadUiAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const path of listFiles(root)) {
    const contentType = CONTENT_TYPES[extname(path)];
    if (!contentType || /\.test\.[a-z]+$/.test(path)) continue;
    assets.set(relative(root, path).split(sep).join('/'), asset(readFileSync(path), contentType));
  }
  return assets;
}

function asset(body: Buffer, contentType: string): Asset {
  return {
    body,
    contentType,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply
    .header('content-security-policy', UI_CONTENT_SECURITY_POLICY)
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    // No build step, so no hashed file names: the browser revalidates each time (a 304 when unchanged).
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}

export interface UiOptions {
  /** `hybrid`: the UI signs in through @gatehouse/client (served from its build under `/ui/client/`). */
  strategy?: 'session' | 'hybrid';
  root?: string;
  clientRoot?: string;
}

/**
 * The web UI (`packages/web`): the pages in `UI_PAGES` and the files under `/ui/`. Without the
 * UI's files (a server-only install) nothing is registered. On the hybrid, `/ui/settings.js` says
 * so and `/ui/client/` serves the built client: same origin, so the strict policy holds.
 */
export function registerUiRoutes(app: FastifyInstance, options: UiOptions = {}): void {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  if (!existsSync(join(root, 'index.html'))) {
    app.log.info('web UI not found; serving the API only');
    return;
  }
  const assets = loadUiAssets(root);
  if (options.strategy === 'hybrid') {
    const clientRoot = options.clientRoot ?? DEFAULT_CLIENT_ROOT;
    if (!existsSync(join(clientRoot, 'index.js')))
      throw new Error(
        'GATEHOUSE_UI_STRATEGY=hybrid needs the built client (packages/client/dist): run `npm run build`',
      );
    for (const [path, file] of loadUiAssets(clientRoot)) assets.set(`client/${path}`, file);
    assets.set(
      'settings.js',
      asset(Buffer.from("export const strategy = 'hybrid';\n"), CONTENT_TYPES['.js']!),
    );
  }
  const index = assets.get('index.html')!;
  for (const page of UI_PAGES) app.get(page, async (request, reply) => send(request, reply, index));
  app.get<{ Params: { '*': string } }>(`${UI_ASSET_PREFIX}*`, async (request, reply) => {
    const found = assets.get(request.params['*']);
    if (!found) return reply.code(404).send({ error: 'not_found' });
    return send(request, reply, found);
  });
}
