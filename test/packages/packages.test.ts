// The packages as users get them: every public package packed, the tarballs installed into fresh
// projects outside the workspace, and there the server started with `npx gatehouse serve`, the
// server README's curl walk-through, and the SDK README's quick start run verbatim on Node 24 and
// 22, and on Node 26 with a server of its own on Node 26.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { type NodeProcess, spawnNode } from '../e2e/support/node-process.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import {
  buildAndPack,
  codeBlockAfter,
  createProject,
  dependencyNames,
  freePort,
  install,
  nodeRelease,
  type PublicPackage,
  repoRoot,
  runtimes,
  sh,
  tempRoot,
  userEnv,
} from './support.ts';

const PASSWORD = 'correct horse battery staple';
/** The port a service of the examples and of the SDK README prints once it listens. */
const listeningPort = (line: string) => /^listening on (\d+)$/.exec(line)?.[1];

describe('published packages, installed from their tarballs', { timeout: 600_000 }, () => {
  let root: string;
  let packed: Map<string, PublicPackage>;
  let serverProject: string;
  let serviceProject: string;
  let server: NodeProcess | undefined;
  let authUrl: string;
  /** The server's issuer: with GATEHOUSE_ISSUER unset it follows PORT (http://localhost:<PORT>). */
  let issuer: string;
  let port: number;
  const services: NodeProcess[] = [];

  /**
   * The scenario every runtime passes: a user logs in (token strategy), the service accepts the
   * access token and refuses a tampered one; the user logs out, and the service refuses the token
   * within 1 s of the logout's answer.
   */
  async function verifyAndRevoke(label: string, serviceUrl: string, auth = authUrl): Promise<void> {
    const me = (token: string) =>
      fetch(`${serviceUrl}/me`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(5000),
      });
    const post = (path: string, body: unknown) =>
      fetch(`${auth}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
    const email = `user-${label.replace(/\W/g, '')}-${Date.now()}@example.com`;
    assert.equal((await post('/auth/register', { email, password: PASSWORD })).status, 202);
    const login = await post('/auth/login', { email, password: PASSWORD, strategy: 'token' });
    assert.equal(login.status, 200);
    const { accessToken } = (await login.json()) as { accessToken: string };

    const accepted = await me(accessToken);
    assert.equal(accepted.status, 200, `${label}: ${await accepted.clone().text()}`);
    const { sub } = (await accepted.json()) as { sub: string };
    assert.ok(sub.length > 0);
    assert.equal((await me(`${accessToken}x`)).status, 401, `${label}: a tampered token is refused`);

    const logout = await fetch(`${auth}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(logout.status, 204);
    const loggedOutAt = performance.now();
    await waitFor(`${label} to refuse the logged-out token`, async () =>
      (await me(accessToken)).status === 401 ? true : undefined,
    );
    const delayMs = performance.now() - loggedOutAt;
    assert.ok(delayMs < 1000, `${label}: refused ${delayMs.toFixed(0)} ms after the logout (bound: 1000 ms)`);
  }

  /** The installed auth server, started by `command args` in the server project on a free port: that port. */
  async function startAuthServer(
    label: string,
    command: string,
    args: string[],
  ): Promise<[NodeProcess, number]> {
    // A free port of its own rather than PORT=0: the issuer (and the origin the walk-through's
    // state changes name) follows PORT only when PORT names the port.
    const started = spawnNode(label, '', userEnv({ PORT: String(await freePort()) }), {
      command,
      args,
      cwd: serverProject,
      group: true,
    });
    const listening = await started.waitForLine((line) => {
      const match = /^Gatehouse listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      return match ? Number(match[1]) : undefined;
    }, 60_000);
    return [started, listening];
  }

  /**
   * The SDK README's quick start, verbatim, run by `command` (a Node binary) against the auth server
   * on `authPort` (issuer http://localhost:<authPort>): `verifyAndRevoke` through it.
   */
  async function runQuickStart(runtime: string, command: string, authPort: number): Promise<void> {
    const readme = readFileSync(join(serviceProject, 'node_modules/@gatehouse/verify/README.md'), 'utf8');
    const file = join(serviceProject, 'service.mjs');
    writeFileSync(file, codeBlockAfter(readme, '## Quick start', 'js'));
    const auth = `http://127.0.0.1:${authPort}`;
    const env = { GATEHOUSE_URL: auth, GATEHOUSE_ISSUER: `http://localhost:${authPort}`, PORT: '0' };
    const service = spawnNode(`service on ${runtime}`, file, userEnv(env), {
      command,
      args: [file],
      cwd: serviceProject,
    });
    services.push(service);
    const servicePort = await service.waitForLine(listeningPort, 30_000);
    await verifyAndRevoke(runtime, `http://127.0.0.1:${servicePort}`, auth);
    await service.stop();
  }

  before(async () => {
    root = tempRoot();
    packed = await buildAndPack(join(root, 'tarballs'));
    serverProject = createProject(root, 'auth-server');
    serviceProject = createProject(root, 'orders-service');
    await Promise.all([
      install(serverProject, [packed.get('@gatehouse/server')!.tarball]),
      install(serviceProject, [packed.get('@gatehouse/verify')!.tarball]),
    ]);
    // In an empty folder, as the server README says: SQLite in ./data, secrets generated there.
    [server, port] = await startAuthServer('gatehouse serve', 'npx', ['--no-install', 'gatehouse', 'serve']);
    authUrl = `http://127.0.0.1:${port}`;
    issuer = `http://localhost:${port}`;
  });

  after(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('packs every public package as built JavaScript with declarations, and no TypeScript source', () => {
    assert.deepEqual([...packed.keys()].sort(), ['@gatehouse/server', '@gatehouse/verify']);
    for (const { tarball, name } of packed.values()) {
      const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
      const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
      assert.deepEqual(sources, [], `${name} ships no .ts sources`);
      assert.ok(files.includes('package/README.md'), `${name} ships its README`);
    }
    const manifest = (name: string) =>
      JSON.parse(readFileSync(join(serviceProject, 'node_modules', name, 'package.json'), 'utf8'));
    const verify = manifest('@gatehouse/verify');
    assert.equal(verify.private, undefined);
    assert.equal(verify.sideEffects, false);
    assert.deepEqual(Object.keys(verify.dependencies), ['jose']);
    assert.equal(verify.peerDependenciesMeta.ioredis.optional, true);
  });

  it('npx gatehouse serve started on SQLite in an empty folder, and the README curl walk-through works', async () => {
    const readme = readFileSync(join(serverProject, 'node_modules/@gatehouse/server/README.md'), 'utf8');
    // Verbatim but for the port: tests never bind a fixed one.
    const script = codeBlockAfter(readme, '## Try it with curl', 'sh').replaceAll(
      'localhost:3000',
      `localhost:${port}`,
    );
    const output = await sh('bash', ['-euo', 'pipefail', '-c', script], serverProject);
    const statuses = [...output.matchAll(/HTTP\/[\d.]+ (\d{3}) /g)].map((match) => Number(match[1]));
    assert.deepEqual(statuses, [202, 200, 200, 204, 401], output);
    assert.ok(
      readFileSync(join(serverProject, 'data/gatehouse.db')).length > 0,
      'the SQLite database is in ./data',
    );
  });

  it('the installed CLI runs the SQLite store on its thread (GATEHOUSE_SQLITE_THREAD=on): writes, reads, exits', async () => {
    // The thread's module is a file of the bundle (dist/sqlite-store-thread.js), found beside it.
    const dataDir = join(root, 'thread-data');
    const env = { GATEHOUSE_SQLITE_THREAD: 'on', GATEHOUSE_ADMIN_PASSWORD: 'a long admin passphrase 42' };
    const gatehouse = (...args: string[]) =>
      sh('npx', ['--no-install', 'gatehouse', ...args, '--data-dir', dataDir], serverProject, env, 60_000);
    assert.match(await gatehouse('admin', 'create', '--email', 'thread@example.com'), /Created admin/);
    assert.match(await gatehouse('users', 'list'), /thread@example\.com\s+active\s+admin/);
  });

  it("the installed CLI imports an account with another system's bcrypt hash, which then signs in to the running server", async () => {
    // bcrypt (cost 4) of "correct horse battery staple", as Python's bcrypt wrote it: the bundle
    // verifies it with its @node-rs/bcrypt dependency, installed from the registry.
    const passwordHash = '$2b$04$jfvey7BmiX.q1V5d7xCT4enayTBLbdIvqUfDIZnZB8866y9ZYtMo.';
    const file = join(serverProject, 'old-system.jsonl');
    writeFileSync(file, `${JSON.stringify({ email: 'moved@example.com', passwordHash })}\n`);
    const output = await sh(
      'npx',
      ['--no-install', 'gatehouse', 'users', 'import', '--file', file],
      serverProject,
    );
    assert.match(output, /Imported 1 account\(s\) \(1 bcrypt\)/);
    const login = await fetch(`${authUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'moved@example.com',
        password: 'correct horse battery staple',
        strategy: 'token',
      }),
    });
    assert.equal(login.status, 200, await login.text());
  });

  for (const runtime of ['Node 24', 'Node 22'] as const) {
    it(`the SDK README quick start, verbatim, accepts a live token and refuses it within 1 s of a logout (${runtime})`, async () => {
      await runQuickStart(runtime, runtime === 'Node 22' ? await nodeRelease(22) : process.execPath, port);
    });
  }

  it('on Node 26, the newest LTS, the installed server and the SDK quick start: a live token accepted, refused within 1 s of a logout', async () => {
    // The server too: its SSE feed wrote straight to the socket, and on Node 26 (which keeps a
    // response's head in the response until the next tick) the first event went out before the head.
    const node26 = await nodeRelease(26);
    const bin = join(serverProject, 'node_modules/@gatehouse/server/bin/gatehouse');
    const [server26, port26] = await startAuthServer('gatehouse serve on Node 26', node26, [
      bin,
      'serve',
      '--data-dir',
      join(root, 'data-node26'),
    ]);
    services.push(server26);
    await runQuickStart('Node 26', node26, port26);
    await server26.stop();
  });

  it('the entry for other runtimes (workerd, Deno, Bun) imports no node: module and is held to the attack catalogue', async () => {
    const installed = join(serviceProject, 'node_modules/@gatehouse/verify/dist/web');
    for (const file of readdirSync(installed)) {
      const code = readFileSync(join(installed, file), 'utf8');
      assert.doesNotMatch(code, /from\s*["']node:|import\(["']node:|\bBuffer\b|\bprocess\./, file);
    }
    // The SDK's attack catalogue (262 cases), against the built WebCrypto bundle instead of the sources.
    const output = await sh(
      process.execPath,
      ['--test', '--test-reporter=tap', join(repoRoot, 'packages/verify/src/verifier-attacks.test.ts')],
      repoRoot,
      { GATEHOUSE_VERIFY_DIST: 'web', NODE_OPTIONS: '--conditions=gatehouse-source' },
    );
    assert.match(output, /^# fail 0$/m);
    assert.match(output, /^# pass [1-9]\d\d$/m);
  });

  it('on a runtime without WebCrypto or fetch, createVerifier throws a TypeError at creation', async () => {
    const script = join(serviceProject, 'no-webcrypto.mjs');
    writeFileSync(
      script,
      `import { createVerifier, createSseFeedSource } from '@gatehouse/verify';
const base = { issuer: 'https://auth.test', audience: 'api', algorithms: ['ES256'], feed: { snapshot() {}, follow() {} } };
const attempt = (label, options) => {
  try { createVerifier(options); console.log(label, 'created'); }
  catch (error) { console.log(label, error.constructor.name, error.message); }
};
const realFetch = globalThis.fetch;
globalThis.fetch = undefined;
attempt('no-fetch', { ...base, jwksUrl: 'https://auth.test/.well-known/jwks.json' });
try { createSseFeedSource({ baseUrl: 'https://auth.test' }); } catch (error) { console.log('sse-no-fetch', error.constructor.name); }
globalThis.fetch = realFetch;
Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
attempt('no-webcrypto', { ...base, jwksUrl: 'https://auth.test/.well-known/jwks.json' });
`,
    );
    // The workerd condition picks the WebCrypto build on Node, which is how Node can stand in for a bare runtime.
    const output = await sh(process.execPath, ['--conditions=workerd', script], serviceProject);
    assert.match(output, /^no-fetch TypeError .*fetch/m);
    assert.match(output, /^sse-no-fetch TypeError$/m);
    assert.match(output, /^no-webcrypto TypeError .*WebCrypto/m);
  });

  describe('edge runtimes, started for real from their registry packages (examples/edge)', () => {
    let bin: string;
    before(async () => {
      bin = await runtimes();
    });
    const example = (name: string) => {
      const file = join(serviceProject, name);
      copyFileSync(join(repoRoot, 'examples/edge', name), file);
      return file;
    };

    it('Deno: the SDK over SSE accepts a live token and refuses it after a logout', async () => {
      const file = example('deno.js');
      const env = userEnv({
        GATEHOUSE_URL: authUrl,
        GATEHOUSE_ISSUER: issuer,
        PORT: '0',
        DENO_NO_UPDATE_CHECK: '1',
        NO_COLOR: '1',
      });
      const deno = spawnNode('deno service', file, env, {
        command: join(bin, 'deno'),
        args: ['run', '--allow-net', '--allow-env', '--allow-read', file],
        cwd: serviceProject,
      });
      services.push(deno);
      const port = await deno.waitForLine(listeningPort, 60_000);
      await verifyAndRevoke('Deno', `http://127.0.0.1:${port}`);
      await deno.stop();
    });

    it('Bun: the SDK over SSE accepts a live token and refuses it after a logout', async () => {
      const file = example('bun.js');
      const bun = spawnNode(
        'bun service',
        file,
        userEnv({ GATEHOUSE_URL: authUrl, GATEHOUSE_ISSUER: issuer, PORT: '0' }),
        {
          command: join(bin, 'bun'),
          args: ['run', file],
          cwd: serviceProject,
        },
      );
      services.push(bun);
      const port = await bun.waitForLine(listeningPort, 60_000);
      await verifyAndRevoke('Bun', `http://127.0.0.1:${port}`);
      await bun.stop();
    });

    it('workerd: a Cloudflare Worker in pull mode (no held connection) accepts a live token and refuses it after a logout', async () => {
      // Bundled as wrangler does (esbuild, the workerd condition), from the installed tarball.
      const bundled = join(serviceProject, 'worker.bundle.js');
      await esbuild.build({
        entryPoints: [example('worker.js')],
        outfile: bundled,
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        conditions: ['workerd', 'worker', 'browser'],
        mainFields: ['browser', 'module', 'main'],
        logLevel: 'warning',
      });
      const port = await freePort();
      const config = join(serviceProject, 'worker.capnp');
      writeFileSync(
        config,
        `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .guarded),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const guarded :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.bundle.js") ],
  compatibilityDate = "2025-06-01",
  bindings = [
    (name = "GATEHOUSE_URL", text = "${authUrl}"),
    (name = "GATEHOUSE_ISSUER", text = "${issuer}"),
    (name = "MAX_STALENESS_MS", text = "300"),
  ],
  globalOutbound = "internet",
);
`,
      );
      const workerd = spawnNode('workerd', config, userEnv(), {
        command: join(bin, 'workerd'),
        args: ['serve', config],
        cwd: serviceProject,
      });
      services.push(workerd);
      const serviceUrl = `http://127.0.0.1:${port}`;
      await waitFor(
        'workerd to listen',
        async () =>
          (await fetch(`${serviceUrl}/me`).catch(() => undefined))?.status === 401 ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      await verifyAndRevoke('workerd', serviceUrl);
      await workerd.stop();
    });
  });

  it('the README "Testing your service" example runs verbatim: a local issuer and an in-memory feed', async () => {
    const readme = readFileSync(join(serviceProject, 'node_modules/@gatehouse/verify/README.md'), 'utf8');
    const file = join(serviceProject, 'testing-example.mjs');
    writeFileSync(file, codeBlockAfter(readme, '## Testing your service', 'js'));
    assert.equal(await sh(process.execPath, [file], serviceProject), 'true\nERR_TOKEN_REVOKED\n');
  });

  it('@gatehouse/verify/redis follows a Redis Streams feed, with ioredis installed by the service', async () => {
    const project = createProject(root, 'redis-service');
    await install(project, [packed.get('@gatehouse/verify')!.tarball, 'ioredis@^5.4.0']);
    const file = join(project, 'redis-feed.mjs');
    const streamKey = `gatehouse-packages-test:${process.pid}:${Date.now()}`;
    writeFileSync(
      file,
      `import { Redis } from 'ioredis';
import { createVerifier } from '@gatehouse/verify';
import { createRedisStreamFeed } from '@gatehouse/verify/redis';
import { createTestIssuer } from '@gatehouse/verify/testing';
const client = new Redis('redis://127.0.0.1:6379');
const clock = { now: () => Date.now() };
const feed = createRedisStreamFeed({ client, clock, streamKey: '${streamKey}', heartbeatMs: 200 });
feed.startHeartbeat();
const issuer = await createTestIssuer();
const verifier = createVerifier({ ...issuer.verifierOptions, feed, maxStalenessMs: 3000 });
await verifier.start();
// Fresh once this process's first heartbeat (after it seeded the feed's epoch) is read.
const freshBy = Date.now() + 5000;
while (verifier.metrics().stale && Date.now() < freshBy) await new Promise((resolve) => setTimeout(resolve, 10));
const token = await issuer.sign({ sub: 'user-1' });
console.log('live', (await verifier.verifyToken(token)).ok);
await feed.publish([{ type: 'session', ...issuer.sessionOf(token), until: Date.now() + 600000 }]);
const deadline = Date.now() + 5000;
let result = await verifier.verifyToken(token);
while (result.ok && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  result = await verifier.verifyToken(token);
}
console.log('after', result.code);
await verifier.stop();
feed.stop();
await client.del('${streamKey}', '{${streamKey}}:live', '{${streamKey}}:epoch');
client.disconnect();
`,
    );
    assert.equal(await sh(process.execPath, [file], project), 'live true\nafter ERR_TOKEN_REVOKED\n');
    const names = await dependencyNames(project);
    assert.ok(names.has('ioredis'), "ioredis, the service's own choice");
    for (const forbidden of ['fastify', 'pg', 'prom-client', '@gatehouse/server'])
      assert.ok(!names.has(forbidden), forbidden);
  });

  it('the declarations type-check a TypeScript service strictly (skipLibCheck off)', async () => {
    writeFileSync(
      join(serviceProject, 'consumer.ts'),
      `import { createPullFeedSource, createVerifier, type Principal, type VerifyResult } from '@gatehouse/verify';
import { createMemoryFeed, createTestIssuer } from '@gatehouse/verify/testing';

const issuer = await createTestIssuer();
const verifier = createVerifier({ ...issuer.verifierOptions, feed: createMemoryFeed() });
createVerifier({ ...issuer.verifierOptions, feed: createPullFeedSource({ baseUrl: 'https://auth.test' }) });
const result: VerifyResult = await verifier.verifyToken(await issuer.sign({ sub: 'u' }));
const who: Principal | undefined = result.ok ? result.principal : undefined;
console.log(who?.sub);
// @ts-expect-error: the algorithms are pinned to the names the verifier knows
createVerifier({ ...issuer.verifierOptions, algorithms: ['none'], feed: createMemoryFeed() });
`,
    );
    writeFileSync(
      join(serviceProject, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          lib: ['es2022', 'dom'],
          // A Node service has @types/node; the core declarations shipped inside name node:crypto types.
          types: ['node'],
          typeRoots: [join(repoRoot, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    await sh(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], serviceProject);
  });

  it("a service's dependency tree holds no server code: no fastify, pg, prom-client, nor ioredis", async () => {
    const names = await dependencyNames(serviceProject);
    assert.deepEqual([...names].sort(), ['@gatehouse/verify', 'jose']);
    for (const forbidden of [
      'fastify',
      'pg',
      'prom-client',
      'ioredis',
      '@gatehouse/server',
      '@gatehouse/core',
    ])
      assert.ok(!names.has(forbidden), forbidden);
  });
});
