import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLIENT_DIST = `${ROOT}packages/client/dist/`;

/**
 * The root `npm test` builds before any test runs; a file run alone builds the client when it is
 * missing. Never rebuilt here otherwise: other test files read dist/ at the same time.
 */
export function ensureClientBuilt(): void {
  if (existsSync(`${CLIENT_DIST}index.js`)) return;
  execFileSync('npm', ['run', 'build', '-w', '@gatehouse/client'], { cwd: ROOT, stdio: 'ignore' });
  assert.ok(existsSync(`${CLIENT_DIST}index.js`), 'npm run build -w @gatehouse/client');
}
