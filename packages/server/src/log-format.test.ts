import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createTestServer, registerAndLogin } from './testing/index.ts';
import { createServerLogger } from './log-format.ts';

describe('log format', () => {
  it('is JSON lines when stdout is not a terminal (the default stream)', async () => {
    assert.deepEqual(await createServerLogger('info', false), { level: 'info' });
  });

  it('is one readable line per entry on a terminal, with the refusal in words and no secret', async () => {
    let text = '';
    const collector = new Writable({
      write(chunk, _encoding, done) {
        text += chunk;
        done();
      },
    });
    const logger = await createServerLogger('info', true, collector);
    const { app } = createTestServer({ logger });
    const session = await registerAndLogin(app, 'pretty@example.com');
    text = '';
    await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 1, text);
    assert.match(
      lines[0]!,
      /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO.*: POST \/auth\/logout 403 csrf: no Origin, Sec-Fetch-Site or Referer/,
    );
    assert.throws(() => JSON.parse(lines[0]!), 'not JSON');
    assert.ok(!text.includes(session.csrfToken) && !text.includes(session.token));
  });
});
