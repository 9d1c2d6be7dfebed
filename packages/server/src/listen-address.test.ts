import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { browserUrl, issuerPortWarning } from './listen-address.ts';

describe('the issuer follows the listening port', () => {
  it('PORT without GATEHOUSE_ISSUER: issuer, reset link and allowed origins name that port, at localhost and 127.0.0.1', () => {
    const config = loadConfig({ PORT: '3100' });
    assert.equal(config.issuer, 'http://localhost:3100');
    assert.equal(config.issuerIsDefault, true);
    assert.deepEqual(config.allowedOrigins, ['http://localhost:3100', 'http://127.0.0.1:3100']);
    assert.equal(config.mail.resetUrl, 'http://localhost:3100/reset#token=');
    assert.equal(browserUrl(config, 3100), 'http://localhost:3100/');
    assert.equal(issuerPortWarning(config, 3100), null);
  });

  it('the defaults are port 3000 on both hosts', () => {
    const config = loadConfig({});
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.deepEqual(config.allowedOrigins, ['http://localhost:3000', 'http://127.0.0.1:3000']);
  });

  it('an explicit issuer allows only its own origin, and warns when it names another local port', () => {
    const config = loadConfig({ PORT: '3100', GATEHOUSE_ISSUER: 'http://localhost:3000' });
    assert.deepEqual(config.allowedOrigins, ['http://localhost:3000']);
    assert.equal(browserUrl(config, 3100), 'http://localhost:3000/');
    assert.match(issuerPortWarning(config, 3100) ?? '', /port 3000.*listens on port 3100/);
    assert.equal(issuerPortWarning(config, 3000), null);
  });

  it('does not second-guess a public issuer behind a proxy', () => {
    const config = loadConfig({ PORT: '8080', GATEHOUSE_ISSUER: 'https://id.example.com' });
    assert.equal(issuerPortWarning(config, 8080), null);
    assert.deepEqual(config.allowedOrigins, ['https://id.example.com']);
  });

  it('PORT=0 keeps the :3000 issuer and says so once the port is known', () => {
    const config = loadConfig({ PORT: '0' });
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.match(issuerPortWarning(config, 45678) ?? '', /GATEHOUSE_ISSUER=http:\/\/localhost:45678/);
  });
});
