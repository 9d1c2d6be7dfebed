import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './cli.ts';
import { loadConfig } from './config.ts';
import { REFRESH_COOKIE } from './http/auth/refresh-cookie.ts';
import { type RunningServer, startServer } from './server.ts';
import { createTestClient, fetchTransport } from './testing/client.ts';

const PASSWORD = 'a long enough passphrase';

/**
 * Sends a GET over a bare socket and returns the status line's code. The server may reset the
 * connection right after answering an oversized request, so the reply is read as it arrives.
 */
function rawGet(url: string, headers: Record<string, string> | [string, string][]): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    const finish = () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`no status line in ${JSON.stringify(received.slice(0, 80))}`));
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (/^HTTP\/1\.1 \d{3}/.test(received)) {
        socket.destroy();
        finish();
      }
    });
    socket.on('error', finish);
    socket.on('close', finish);
    const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
    const lines = pairs.map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(
      `GET ${new URL(url).pathname} HTTP/1.1\r\nhost: ${hostname}\r\n${lines.join('')}connection: close\r\n\r\n`,
    );
  });
}

describe('startServer over a real socket, on the embedded SQLite store', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-server-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(printed: string[] = []): Promise<RunningServer> {
    const config = loadConfig({}, ['--data-dir', dataDir, '--port', '0']);
    return startServer(config, { logger: false, print: (line) => printed.push(line) });
  }

  it('serves the session flow end to end and prints the first-admin hint', async () => {
    const printed: string[] = [];
    const server = await start(printed);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(printed.join('\n').includes('npm run gatehouse -- admin create --email you@example.com'));

      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 200);

      const registered = await fetch(`${server.url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'socket@example.com', password: PASSWORD }),
      });
      assert.equal(registered.status, 202);

      const loggedIn = await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
        body: JSON.stringify({ email: 'socket@example.com', password: PASSWORD }),
      });
      assert.equal(loggedIn.status, 200);
      const { csrfToken } = await loggedIn.json();
      const [setCookie] = loggedIn.headers.getSetCookie();
      const cookie = setCookie!.split(';')[0]!;
      assert.match(cookie, /^__Host-gh_session=/);

      const me = await fetch(`${server.url}/auth/me`, { headers: { cookie } });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).user.email, 'socket@example.com');

      const logout = await fetch(`${server.url}/auth/logout`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrfToken, origin: 'http://localhost:3000' },
      });
      assert.equal(logout.status, 204);
      assert.equal((await fetch(`${server.url}/auth/me`, { headers: { cookie } })).status, 401);
    } finally {
      await server.close();
    }
  });

  it('refuses request headers over 16 KiB (431) and keeps serving', async () => {
    const server = await start();
    try {
      assert.equal(await rawGet(`${server.url}/healthz`, { 'x-pad': 'a'.repeat(17 * 1024) }), 431);
      assert.equal(await rawGet(`${server.url}/healthz`, { 'x-pad': 'a'.repeat(8 * 1024) }), 200);
    } finally {
      await server.close();
    }
  });

  it('keeps the generated CSRF secret in secrets.json (0600) across restarts', async () => {
    const path = join(dataDir, 'secrets.json');
    const first = await readFile(path, 'utf8');
    if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
    const server = await start();
    await server.close();
    assert.equal(await readFile(path, 'utf8'), first);
  });

  it('stops printing the hint once an admin exists', async () => {
    const err: string[] = [];
    const code = await runCli(['admin', 'create', '--email', 'root@example.com', '--data-dir', dataDir], {
      env: { GATEHOUSE_ADMIN_PASSWORD: PASSWORD },
      readStdin: async () => '',
      out: () => {},
      err: (line) => err.push(line),
    });
    assert.equal(code, 0, err.join('\n'));
    const printed: string[] = [];
    const server = await start(printed);
    await server.close();
    assert.deepEqual(printed, []);
  });
});

describe('startServer: access tokens and signing keys, on the embedded SQLite store', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-keys-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  function start(argv: string[] = [], lines: string[] = []): Promise<RunningServer> {
    const config = loadConfig({}, ['--data-dir', dataDir, '--port', '0', ...argv]);
    return startServer(config, {
      logger: { level: 'warn', stream: { write: (line) => void lines.push(line) } },
      print: () => {},
    });
  }

  async function post(
    server: RunningServer,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  async function hybridLogin(server: RunningServer, email: string) {
    const client = createTestClient(fetchTransport(server.url));
    await client.register(email, PASSWORD);
    const { answer, login } = await client.login(email, 'hybrid', { password: PASSWORD });
    const refreshCookie = answer.setCookies[0]!.split(';')[0]!;
    assert.ok(refreshCookie.startsWith(`${REFRESH_COOKIE}=`));
    return { accessToken: login.accessToken, csrfToken: login.csrfToken as string, refreshCookie };
  }

  const me = (server: RunningServer, accessToken: string) =>
    fetch(`${server.url}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });

  it('creates a signing key at start and serves hybrid end to end; two Authorization headers are refused', async () => {
    const server = await start();
    try {
      const kid = server.keyring.getSigningKey().kid;
      const jwks = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
      assert.deepEqual(
        jwks.keys.map((key: { kid: string }) => key.kid),
        [kid],
      );
      const login = await hybridLogin(server, 'socket@example.com');
      assert.equal((await me(server, login.accessToken)).status, 200);

      const refreshed = await fetch(`${server.url}/auth/refresh`, {
        method: 'POST',
        headers: {
          cookie: login.refreshCookie,
          'x-csrf-token': login.csrfToken,
          origin: 'http://localhost:3000',
        },
      });
      assert.equal(refreshed.status, 200);
      assert.equal((await me(server, (await refreshed.json()).accessToken)).status, 200);

      // Node keeps only the first of two Authorization headers in `headers`; the raw list shows both.
      const bearerLine: [string, string] = ['authorization', `Bearer ${login.accessToken}`];
      assert.equal(await rawGet(`${server.url}/auth/me`, [bearerLine]), 200);
      assert.equal(await rawGet(`${server.url}/auth/me`, [bearerLine, bearerLine]), 401);
      assert.equal(
        await rawGet(`${server.url}/auth/me`, [bearerLine, ['Authorization', 'Bearer x.y.z']]),
        401,
      );
    } finally {
      await server.close();
    }
  });

  it('keeps the keys readable when the CSRF secret changes, across a restart', async () => {
    let server = await start();
    const kid = server.keyring.getSigningKey().kid;
    const login = await hybridLogin(server, 'restart@example.com');
    await server.close();

    const path = join(dataDir, 'secrets.json');
    const stored = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(
      path,
      JSON.stringify({ ...stored, csrfSecret: Buffer.alloc(32, 8).toString('base64url') }),
      {
        mode: 0o600,
      },
    );
    server = await start();
    try {
      assert.equal(server.keyring.getSigningKey().kid, kid, 'the same key, decrypted with the same KEK');
      assert.equal((await me(server, login.accessToken)).status, 200);
      // The CSRF secret did change: the old CSRF token no longer matches.
      const refreshed = await fetch(`${server.url}/auth/refresh`, {
        method: 'POST',
        headers: {
          cookie: login.refreshCookie,
          'x-csrf-token': login.csrfToken,
          origin: 'http://localhost:3000',
        },
      });
      assert.equal(refreshed.status, 403);
    } finally {
      await server.close();
    }
  });

  it('refuses to start with a key-encryption key that cannot read the stored keys, and starts again with the right one', async () => {
    const wrong = Buffer.alloc(32, 6).toString('base64url');
    await assert.rejects(
      start(['--key-encryption-key', wrong]),
      (error: unknown) => (error as { code?: string }).code === 'ERR_KEY_UNAVAILABLE',
    );
    const server = await start();
    await server.close();
  });

  it('switches to a newly configured algorithm at start, still accepting tokens of the previous key, and warns about HS256', async () => {
    let server = await start();
    const login = await hybridLogin(server, 'switch@example.com');
    await server.close();

    server = await start(['--signing-alg', 'EdDSA']);
    try {
      assert.equal(server.keyring.getSigningKey().alg, 'EdDSA');
      assert.equal((await me(server, login.accessToken)).status, 200, 'signed by the retired ES256 key');
      const fresh = await post(server, '/auth/login', {
        email: 'switch@example.com',
        password: PASSWORD,
        strategy: 'token',
      });
      const { accessToken } = await fresh.json();
      assert.equal(JSON.parse(Buffer.from(accessToken.split('.')[0], 'base64url').toString()).alg, 'EdDSA');
    } finally {
      await server.close();
    }

    const lines: string[] = [];
    server = await start(['--signing-alg', 'HS256'], lines);
    try {
      assert.equal(server.keyring.getSigningKey().alg, 'HS256');
      // Retired public keys are still listed until pruned; the HMAC secret never is.
      const { keys } = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
      const kid = server.keyring.getSigningKey().kid;
      assert.deepEqual(
        keys.filter((key: { kid: string; alg: string }) => key.kid === kid || key.alg === 'HS256'),
        [],
      );
      assert.equal((await me(server, login.accessToken)).status, 401, 'HS256 alone is accepted now');
      assert.ok(lines.some((line) => /HS256.*single service/.test(line)));
    } finally {
      await server.close();
    }
  });
});
