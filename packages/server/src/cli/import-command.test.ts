import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type CliIo, formatHelp, runCli } from '../cli.ts';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/open-store.ts';

/** A bcrypt hash (cost 4) of "correct horse battery staple", as Python's bcrypt writes it. */
const BCRYPT = '$2b$04$jfvey7BmiX.q1V5d7xCT4enayTBLbdIvqUfDIZnZB8866y9ZYtMo.';

describe('gatehouse users import (the command)', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-import-cli-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The command with `stdin` as its input: a pipe (a stream of it), or a terminal. */
  async function cli(argv: string[], stdin: string, terminal = false) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      env: {},
      readStdin: async () => stdin,
      stdin: Object.assign(Readable.from([Buffer.from(stdin)]), { isTTY: terminal }),
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    };
    const code = await runCli(['users', 'import', ...argv, '--data-dir', dataDir], io);
    return { code, out, err };
  }

  async function countUsers(): Promise<number> {
    const store = await openStore(loadConfig({}, ['--data-dir', dataDir]));
    try {
      return await store.users.count({});
    } finally {
      await store.close();
    }
  }

  it('is listed in --help', () => {
    assert.ok(formatHelp().includes('users import [--file <path>] [--dry-run]'));
  });

  it('reads lines piped to stdin, and refuses a line too long unread', async () => {
    const lines = [
      JSON.stringify({ email: 'piped@example.com', passwordHash: BCRYPT }),
      JSON.stringify({ email: 'long@example.com', passwordHash: BCRYPT, padding: 'x'.repeat(70_000) }),
    ];
    const run = await cli([], `${lines.join('\r\n')}\r\n`);
    assert.equal(run.code, 1);
    assert.deepEqual(run.out, [
      'Imported 1 account(s) (1 bcrypt); 0 already registered, left as they are; 1 refused.',
    ]);
    assert.deepEqual(run.err, ['line 2: refused: line too long']);
    assert.equal(await countUsers(), 1);
  });

  it("keeps a line's id and creation time, and refuses an id that is not one, is another account's, or a time that is not one", async () => {
    const id = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
    const line = (fields: Record<string, unknown>) =>
      JSON.stringify({ email: 'kept-id@example.com', passwordHash: BCRYPT, ...fields });
    const lines = [
      line({ id, createdTimestamp: 1_600_000_000_000 }),
      line({ id }), // the same account again
      line({ id, email: 'other@example.com' }),
      line({ id: 'not an id', email: 'bad-id@example.com' }),
      line({ email: 'bad-time@example.com', createdAt: 'last spring' }),
      line({ email: 'future@example.com', createdAt: '2999-01-01T00:00:00Z' }),
    ];
    const run = await cli([], lines.join('\n'));
    assert.deepEqual(run.out, [
      'Imported 1 account(s) (1 bcrypt); 1 already registered, left as they are; 4 refused.',
    ]);
    assert.deepEqual(run.err, [
      'line 3: refused: id taken by another account',
      'line 4: refused: invalid id (1-128 characters: letters, digits, - and _)',
      'line 5: refused: invalid createdAt',
      'line 6: refused: invalid createdAt',
    ]);
    const store = await openStore(loadConfig({}, ['--data-dir', dataDir]));
    try {
      const user = await store.users.getById(id);
      assert.deepEqual([user?.email, user?.createdAt], ['kept-id@example.com', 1_600_000_000_000]);
      assert.equal(await store.users.getByEmail('other@example.com'), null);
    } finally {
      await store.close();
    }
  });

  it('refuses to read a terminal or a file it cannot read, importing nothing (usage error)', async () => {
    const line = JSON.stringify({ email: 'terminal@example.com', passwordHash: BCRYPT });
    const terminal = await cli([], line, true);
    assert.equal(terminal.code, 2);
    assert.match(terminal.err.join('\n'), /pipe them in \(< users\.jsonl\) or use --file <path>/);
    const missing = await cli(['--file', join(dataDir, 'no-such-file.jsonl')], line);
    assert.equal(missing.code, 2);
    assert.match(missing.err.join('\n'), /cannot read --file/);
    assert.equal(await countUsers(), 2);
  });
});
