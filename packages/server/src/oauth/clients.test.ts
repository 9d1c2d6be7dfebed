import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError } from '@gatehouse/core';
import { type CliIo, runCli } from '../cli.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createClientRegistry, DEFAULT_CLIENT_ID, parseClients } from './clients.ts';

describe('GATEHOUSE_CLIENTS', () => {
  it('parses clients with defaults (token strategy, DPoP optional, name = id)', () => {
    assert.deepEqual(
      parseClients(
        '[{"id":"cli"},{"id":"web-2","name":"Web","strategies":["hybrid","hybrid"],"requireDpop":true}]',
      ),
      [
        { id: 'cli', name: 'cli', strategies: ['token'], requireDpop: false },
        { id: 'web-2', name: 'Web', strategies: ['hybrid'], requireDpop: true },
      ],
    );
    assert.deepEqual(loadConfig({}).clients, []);
  });

  it('refuses malformed entries, naming the setting and never a value it cannot show', () => {
    for (const text of [
      'nope',
      '{}',
      '[1]',
      '[{"id":"a b"}]',
      '[{"id":""}]',
      `[{"id":"${'x'.repeat(65)}"}]`,
      '[{"id":"a"},{"id":"a"}]',
      '[{"id":"a","strategies":[]}]',
      '[{"id":"a","strategies":["jwt"]}]',
      '[{"id":"a","requireDpop":"yes"}]',
      '[{"id":"a","secret":"s"}]',
    ]) {
      assert.throws(
        () => loadConfig({ GATEHOUSE_CLIENTS: text }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, text);
          assert.equal(error.setting, 'GATEHOUSE_CLIENTS');
          return true;
        },
      );
    }
  });

  it('the registry always holds the default client, resolves names and refuses unknown ones', () => {
    const registry = createClientRegistry(parseClients('[{"id":"cli"}]'));
    assert.equal(registry.resolve(undefined).id, DEFAULT_CLIENT_ID);
    assert.equal(registry.resolve('cli').id, 'cli');
    for (const id of ['nobody', 42, null, '', '__proto__', 'constructor']) {
      assert.throws(
        () => registry.resolve(id),
        (error: unknown) => error instanceof ClientError && error.code === 'ERR_INVALID_CLIENT',
      );
    }
    assert.deepEqual(
      registry.list().map((client) => client.id),
      ['gatehouse', 'cli'],
    );
  });

  it('GATEHOUSE_DPOP_NONCE is on or off', () => {
    assert.equal(loadConfig({ GATEHOUSE_DPOP_NONCE: 'ON' }).dpopNonce, true);
    assert.equal(loadConfig({}, ['--dpop-nonce', 'off']).dpopNonce, false);
    assert.throws(() => loadConfig({ GATEHOUSE_DPOP_NONCE: 'maybe' }), {
      name: 'ConfigError',
      setting: 'GATEHOUSE_DPOP_NONCE',
    });
  });

  it('gatehouse clients list prints one line per client', async () => {
    const out: string[] = [];
    const io: CliIo = {
      env: { GATEHOUSE_CLIENTS: '[{"id":"cli","name":"Command line","requireDpop":true}]' },
      readStdin: async () => '',
      out: (line) => out.push(line),
      err: () => {},
    };
    assert.equal(await runCli(['clients', 'list'], io), 0);
    assert.deepEqual(out, [
      'gatehouse\tsession,hybrid,token\tdpop-optional\tGatehouse',
      'cli\ttoken\tdpop-required\tCommand line',
    ]);
  });
});
