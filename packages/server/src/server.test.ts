import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './cli.ts';
import { loadConfig } from './config.ts';
import { loadEmbeddedSecrets, type RunningServer, startServer } from './server.ts';

const PASSWORD = 'a long enough passphrase';

/**
 * Sends a GET over a bare socket and returns the status line's code. The server may reset the
 * connection right after answering an oversized request, so the reply is read as it arrives.
 */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
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
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
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
        headers: { cookie, 'x-csrf-token': csrfToken },
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

describe('loadEmbeddedSecrets', () => {
  it('refuses a secrets file other users can read, and one with a short key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-secrets-'));
    try {
      const path = join(dir, 'secrets.json');
      if (process.platform !== 'win32') {
        await writeFile(path, JSON.stringify({ csrfSecret: Buffer.alloc(32).toString('base64url') }), {
          mode: 0o644,
        });
        await assert.rejects(loadEmbeddedSecrets(dir), /readable by other users/);
        await rm(path);
      }
      await writeFile(path, JSON.stringify({ csrfSecret: 'c2hvcnQ' }), { mode: 0o600 });
      await assert.rejects(loadEmbeddedSecrets(dir), /at least 32 bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
