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
export const UI_PAGES = ['/', '/sessions', '/admin', '/tools'] as const;

/** Where the UI's files are served from: `/ui/<path under packages/web/src>`. */
export const UI_ASSET_PREFIX = '/ui/';

// packages/server/src/http/routes → packages/web/src. A path, not a package import: the server
// serves the files as they are, and the workspace needs no install step to find them. The published
// package carries a copy beside its bundle (dist/web/, made by the build).
const BUNDLED_WEB_ROOT = fileURLToPath(new URL('./web/', import.meta.url));
const DEFAULT_WEB_ROOT = existsSync(BUNDLED_WEB_ROOT)
  ? BUNDLED_WEB_ROOT
  : fileURLToPath(new URL('../../../../web/src/', import.meta.url));

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
    const body = readFileSync(path);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(relative(root, path).split(sep).join('/'), { body, contentType, etag });
  }
  return assets;
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

/**
 * The web UI (`packages/web`): the pages in `UI_PAGES` and the files under `/ui/`. Without the
 * UI's files (a server-only install) nothing is registered.
 */
export function registerUiRoutes(app: FastifyInstance, root: string = DEFAULT_WEB_ROOT): void {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.info('web UI not found; serving the API only');
    return;
  }
  const assets = loadUiAssets(root);
  const index = assets.get('index.html')!;
  for (const page of UI_PAGES) app.get(page, async (request, reply) => send(request, reply, index));
  app.get<{ Params: { '*': string } }>(`${UI_ASSET_PREFIX}*`, async (request, reply) => {
    const asset = assets.get(request.params['*']);
    if (!asset) return reply.code(404).send({ error: 'not_found' });
    return send(request, reply, asset);
  });
}
