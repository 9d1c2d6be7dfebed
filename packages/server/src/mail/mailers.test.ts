import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config.ts';
import { createConsoleMailer } from './console-mailer.ts';
import { createConfiguredMailer } from './create-mailer.ts';
import { createOutboxMailer } from './outbox-mailer.ts';

const message = {
  to: 'a@example.com',
  subject: 'Reset your password',
  text: 'line one\nhttps://x.example/reset#token=abc',
};

describe('console mailer', () => {
  it('writes the whole message as plain text to the stream it was given', async () => {
    const written: string[] = [];
    await createConsoleMailer((text) => written.push(text)).send(message);
    assert.equal(written.length, 1);
    assert.ok(written[0]!.includes('mail to a@example.com: Reset your password'));
    assert.ok(written[0]!.includes('https://x.example/reset#token=abc'));
    assert.ok(!written[0]!.trimStart().startsWith('{'), 'not a JSON log line');
  });
});

describe('outbox mailer', () => {
  it('keeps copies, oldest first, and drops the oldest past its capacity', async () => {
    const outbox = createOutboxMailer({ capacity: 2 });
    for (const to of ['1@example.com', '2@example.com', '3@example.com'])
      await outbox.send({ ...message, to });
    assert.deepEqual(
      outbox.messages().map((kept) => kept.to),
      ['2@example.com', '3@example.com'],
    );
    outbox.messages()[0]!.text = 'tampered';
    assert.equal(outbox.messages()[0]!.text, message.text, 'callers get copies');
    outbox.clear();
    assert.deepEqual(outbox.messages(), []);
  });

  it('refuses a capacity below one', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN])
      assert.throws(() => createOutboxMailer({ capacity }), TypeError);
  });
});

describe('mail settings', () => {
  it('default to the console and a reset link under the issuer, token in the fragment', () => {
    const config = loadConfig({ GATEHOUSE_ISSUER: 'https://id.example.com/base/' });
    assert.deepEqual(config.mail, {
      mailer: 'console',
      resetUrl: 'https://id.example.com/base/reset#token=',
    });
    assert.equal(createConfiguredMailer(config.mail).outbox, null);
  });

  it('take an outbox and a reset URL from env or flag', () => {
    const config = loadConfig({ GATEHOUSE_MAILER: 'OUTBOX' }, [
      '--reset-url',
      'https://app.example.com/#/reset?token=',
    ]);
    assert.deepEqual(config.mail, { mailer: 'outbox', resetUrl: 'https://app.example.com/#/reset?token=' });
    assert.notEqual(createConfiguredMailer(config.mail).outbox, null);
  });

  for (const [name, env] of [
    ['an unknown mailer', { GATEHOUSE_MAILER: 'smtp' }],
    [
      'a reset URL with the token in the query',
      { GATEHOUSE_RESET_URL: 'https://id.example.com/reset?token=' },
    ],
    ['a reset URL with the token in the path', { GATEHOUSE_RESET_URL: 'https://id.example.com/reset/' }],
    ['a relative reset URL', { GATEHOUSE_RESET_URL: '/reset#token=' }],
    ['a non-http reset URL', { GATEHOUSE_RESET_URL: 'javascript:alert(1)#token=' }],
    ['a reset URL with credentials', { GATEHOUSE_RESET_URL: 'https://user:pw@id.example.com/reset#token=' }],
  ] as const) {
    it(`refuse ${name}`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.setting === Object.keys(env)[0] &&
          !error.message.includes('pw@'),
      );
    });
  }
});
