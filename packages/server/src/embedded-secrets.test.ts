import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadEmbeddedSecrets, resolveSecrets } from './embedded-secrets.ts';

const key = (fill: number, bytes = 32) => Buffer.alloc(bytes, fill).toString('base64url');

describe('embedded secrets (<data dir>/secrets.json)', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-secrets-'));
    path = join(dir, 'secrets.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the CSRF secret and the key-encryption key as separate entries, once, mode 0600', async () => {
    const first = await loadEmbeddedSecrets(dir);
    const stored = JSON.parse(await readFile(path, 'utf8'));
    assert.deepEqual(Object.keys(stored), ['csrfSecret', 'keyEncryptionKey']);
    assert.equal(first.csrfSecret.byteLength, 32);
    assert.equal(first.keyEncryptionKey.byteLength, 32);
    assert.notDeepEqual(first.csrfSecret, first.keyEncryptionKey);
    if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await loadEmbeddedSecrets(dir), first);
  });

  it('adds a key-encryption key to a file from before there was one, keeping the CSRF secret, once for all racers', async () => {
    await writeFile(path, JSON.stringify({ csrfSecret: key(1), note: 'kept' }), { mode: 0o600 });
    const racers = await Promise.all(Array.from({ length: 8 }, () => loadEmbeddedSecrets(dir)));
    for (const secrets of racers) {
      assert.deepEqual(secrets.csrfSecret, new Uint8Array(Buffer.alloc(32, 1)));
      assert.deepEqual(secrets.keyEncryptionKey, racers[0]!.keyEncryptionKey);
    }
    const stored = JSON.parse(await readFile(path, 'utf8'));
    assert.deepEqual(Object.keys(stored), ['csrfSecret', 'note', 'keyEncryptionKey']);
    assert.equal(stored.csrfSecret, key(1));
    assert.deepEqual(await readdir(dir), ['secrets.json'], 'no lock or temporary file left behind');
    if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('waits for another process’s lock before adding the key', async () => {
    await writeFile(path, JSON.stringify({ csrfSecret: key(1) }), { mode: 0o600 });
    await writeFile(`${path}.lock`, '', { mode: 0o600 });
    const loading = loadEmbeddedSecrets(dir);
    // The other process finishes: it wrote its key and released the lock.
    await new Promise((resolve) => setTimeout(resolve, 120));
    await writeFile(path, JSON.stringify({ csrfSecret: key(1), keyEncryptionKey: key(2) }), { mode: 0o600 });
    await rm(`${path}.lock`);
    assert.deepEqual((await loading).keyEncryptionKey, new Uint8Array(Buffer.alloc(32, 2)));
  });

  it('leaves the key-encryption key alone when the CSRF secret is changed', async () => {
    const before = await loadEmbeddedSecrets(dir);
    const stored = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...stored, csrfSecret: key(3) }), { mode: 0o600 });
    const after = await loadEmbeddedSecrets(dir);
    assert.deepEqual(after.keyEncryptionKey, before.keyEncryptionKey);
    assert.deepEqual(after.csrfSecret, new Uint8Array(Buffer.alloc(32, 3)));
  });

  it('refuses a file other users can read, bad JSON, a short CSRF secret and a key-encryption key not of 32 bytes', async () => {
    if (process.platform !== 'win32') {
      await writeFile(path, JSON.stringify({ csrfSecret: key(0), keyEncryptionKey: key(1) }), {
        mode: 0o644,
      });
      await assert.rejects(loadEmbeddedSecrets(dir), /readable by other users/);
      await rm(path);
    }
    const cases: [string, RegExp][] = [
      ['{not json', /not valid JSON/],
      [JSON.stringify({ csrfSecret: 'c2hvcnQ' }), /csrfSecret must be base64url encoding at least 32 bytes/],
      [
        JSON.stringify({ csrfSecret: key(0), keyEncryptionKey: key(1, 31) }),
        /keyEncryptionKey .* exactly 32 bytes/,
      ],
      [
        JSON.stringify({ csrfSecret: key(0), keyEncryptionKey: key(1, 33) }),
        /keyEncryptionKey .* exactly 32 bytes/,
      ],
      [JSON.stringify({ csrfSecret: key(0), keyEncryptionKey: 42 }), /keyEncryptionKey .* exactly 32 bytes/],
    ];
    for (const [content, message] of cases) {
      await writeFile(path, content, { mode: 0o600 });
      await assert.rejects(loadEmbeddedSecrets(dir), message);
      await rm(path);
    }
  });

  it('resolveSecrets: configured values win, and the file is not even created when both are configured', async () => {
    const csrfSecret = new Uint8Array(Buffer.alloc(32, 4));
    const keyEncryptionKey = new Uint8Array(Buffer.alloc(32, 5));
    assert.deepEqual(await resolveSecrets({ dataDir: dir, csrfSecret, keyEncryptionKey }), {
      csrfSecret,
      keyEncryptionKey,
    });
    assert.deepEqual(await readdir(dir), []);
    const mixed = await resolveSecrets({ dataDir: dir, csrfSecret, keyEncryptionKey: null });
    assert.deepEqual(mixed.csrfSecret, csrfSecret);
    assert.deepEqual(mixed.keyEncryptionKey, (await loadEmbeddedSecrets(dir)).keyEncryptionKey);
  });
});
