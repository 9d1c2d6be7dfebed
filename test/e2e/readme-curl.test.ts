/**
 * The README's "Try it with curl" block, run verbatim with bash against a real server: only the
 * port is changed (a free one instead of 3000, passed as PORT, so the issuer follows it as it
 * does for `PORT=… npm start`). Each `# NNN` comment in the block is a promise; the statuses
 * curl prints must be exactly those, in order.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type RunningServer, startServer } from '@gatehouse/server';
import { freePort } from '../support/free-port.ts';

const README = new URL('../../README.md', import.meta.url);
const run = promisify(execFile);

/** The shell block under "## Try it with curl". */
async function curlBlock(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const section = text.slice(text.indexOf('## Try it with curl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the README has the curl block');
  return block;
}

describe('README: the curl walk-through, verbatim', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let port: number;
  let workDir: string;
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'gatehouse-readme-'));
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        server = await startServer(
          loadConfig({ PORT: String(port), GATEHOUSE_DATA_DIR: join(workDir, 'data') }),
          {
            logger: false,
            print: () => {},
          },
        );
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 3) throw error;
      }
    }
  });
  after(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('answers every promised status, in order', async () => {
    const block = await curlBlock();
    const promised = [...block.matchAll(/#\s+(\d{3})\b/g)].map((match) => Number(match[1]));
    assert.deepEqual(promised, [202, 200, 200, 204, 401], 'the statuses the README promises');
    assert.ok(block.includes('localhost:3000'));
    const script = block.replaceAll('localhost:3000', `localhost:${port}`);
    const { stdout } = await run('bash', ['-c', script], { cwd: workDir, timeout: 30_000 });
    const statuses = [...stdout.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
    assert.deepEqual(statuses, promised, stdout);
    // And what the comments say besides the status.
    assert.match(stdout, /set-cookie: __Host-gh_session=/i, 'login sets the cookie');
    assert.match(stdout, /"csrfToken":"/, 'and returns the CSRF token');
    assert.match(stdout.slice(stdout.lastIndexOf('HTTP/')), /\{"error":"invalid_token"\}/);
  });

  it('the same walk-through without the origin header is refused at logout (403 csrf)', async () => {
    const block = await curlBlock();
    const withoutOrigin = block
      .replaceAll('localhost:3000', `localhost:${port}`)
      .replaceAll('-H "$O" ', '')
      .replace('alice@example.com', 'bob@example.com')
      .replace('alice@example.com', 'bob@example.com');
    const { stdout } = await run('bash', ['-c', withoutOrigin], { cwd: workDir, timeout: 30_000 });
    const statuses = [...stdout.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
    assert.deepEqual(statuses, [202, 200, 200, 403, 200], 'refused, and the session lives on');
  });
});
