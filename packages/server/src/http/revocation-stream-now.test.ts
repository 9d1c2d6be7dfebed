import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config.ts';
import { type RunningServer, startServer } from '../server.ts';

const ORIGIN = 'http://localhost:3000';
const PASSWORD = 'a long enough passphrase';

describe('GET /revocations/stream without since', () => {
  let dataDir: string;
  let server: RunningServer;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-stream-'));
    server = await startServer(loadConfig({}, ['--data-dir', dataDir, '--port', '0']), {
      logger: false,
      print: () => {},
    });
  });
  after(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function loginAndLogout(email: string): Promise<string> {
    const json = { 'content-type': 'application/json', origin: ORIGIN };
    await fetch(`${server.url}/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const login = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: PASSWORD, strategy: 'token' }),
    });
    const { accessToken, session } = (await login.json()) as {
      accessToken: string;
      session?: { id: string };
    };
    const sid =
      session?.id ?? JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sid;
    const logout = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    assert.equal(logout.status, 204);
    return sid;
  }

  it('follows from now: later revocations arrive, earlier ones do not', async () => {
    const earlier = await loginAndLogout('earlier@example.com');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 15_000);
    try {
      const response = await fetch(`${server.url}/revocations/stream`, { signal: controller.signal });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes('gatehouse revocation feed')) text += (await reader.read()).value ?? '';
      const later = await loginAndLogout('later@example.com');
      while (!text.includes(later)) {
        const { value, done } = await reader.read();
        assert.ok(!done, 'the stream stays open');
        text += value;
      }
      assert.match(text, /event: revocation\ndata: \{"type":"session"/);
      assert.ok(!text.includes(earlier), 'a revocation from before the connection is not replayed');
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  });
});
