// npm run build: dist/node (the node:crypto fast path), dist/web (WebCrypto, fetch and web streams
// only: Deno, Bun, workerd, browsers) and dist/types. See scripts/lib/build-package.ts.
import { fileURLToPath } from 'node:url';
import { bundle, clean, copy, emitDeclarations } from '../../scripts/lib/build-package.ts';

const packageDir = fileURLToPath(new URL('.', import.meta.url));
const entries = {
  index: './src/index.ts',
  express: './src/adapters/express.ts',
  fastify: './src/adapters/fastify.ts',
  hono: './src/adapters/hono.ts',
  testing: './src/testing/index.ts',
};
const external = ['jose', 'ioredis'];

clean(packageDir);
await bundle({
  packageDir,
  entries: { ...entries, redis: './src/redis.ts' },
  outdir: 'dist/node',
  platform: 'node',
  external,
});
// The Redis reader loads its Lua script beside the module that defines it.
copy(fileURLToPath(new URL('../server/src/feed/lua', import.meta.url)), `${packageDir}dist/node/lua`);
// The same sources, with the modules that need node:crypto, Buffer or node:timers swapped for
// their WebCrypto equivalents (src/web/README.md).
await bundle({
  packageDir,
  entries,
  outdir: 'dist/web',
  platform: 'neutral',
  external,
  replace: {
    './src/lib/jwks-keys.ts': './src/web/jwks-keys.ts',
    './src/lib/dpop-request.ts': './src/web/dpop-request.ts',
    '../core/src/token/verify-access-token.ts': './src/web/verify-access-token.ts',
    '../core/src/token/verify-signature.ts': './src/web/verify-signature.ts',
    '../core/src/token/decode-segment.ts': './src/web/decode-segment.ts',
    '../core/src/lib/encoding.ts': './src/web/encoding.ts',
    '../core/src/random.ts': './src/web/random.ts',
    'node:timers/promises': './src/web/timers.ts',
  },
});
emitDeclarations(packageDir, [...Object.values(entries), './src/redis.ts'], ['fastify']);
