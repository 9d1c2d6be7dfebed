/**
 * `npm run bench -- --quick` is CI's smoke run of the lab, so it must be able to fail: a scenario
 * that crashes, fails one of its own checks or cannot run a case makes the run exit 1 (after the
 * report is written). The end-to-end pair runs the real lab on the session scenario (about 2 s
 * each): once against an unreachable PostgreSQL (its PostgreSQL cases fail), once as configured.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { unfinished } from '../../bench/lib/run-scenario.ts';
import { emptyResult, type ScenarioOutcome } from '../../bench/lib/types.ts';

const RUN = join(import.meta.dirname, '../../bench/run.ts');

function runBench(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stderr });
    });
  });
}

describe('bench exit code', () => {
  it('names every scenario that is not ok, with its error, failures and unavailable cases', () => {
    const ok: ScenarioOutcome = { name: 'a', title: 'A', status: 'ok', durationMs: 1, result: emptyResult() };
    const crashed: ScenarioOutcome = {
      name: 'b',
      title: 'B',
      status: 'failed',
      durationMs: 1,
      error: 'Error: boom',
    };
    const partial: ScenarioOutcome = {
      name: 'c',
      title: 'C',
      status: 'partial',
      durationMs: 1,
      result: {
        ...emptyResult(),
        failures: [{ case: 'x', reason: 'refused the benchmark token' }],
        unavailable: [{ case: 'y', reason: 'not available yet: z' }],
      },
    };
    assert.deepEqual(unfinished([ok]), []);
    assert.deepEqual(unfinished([ok, crashed, partial]), [
      'b: failed (Error: boom)',
      'c: partial (x failed: refused the benchmark token; y: not available yet: z)',
    ]);
  });

  it('exits 1 when a scenario fails a case, and still writes the report', { timeout: 90_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'gatehouse-bench-exit-'));
    try {
      const { code, stderr } = await runBench(['--quick', '--only', 'session', '--out', out], {
        BENCH_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
      });
      assert.equal(code, 1, stderr);
      assert.match(stderr, /NOT OK session: partial \(PostgreSQL failed: .*ECONNREFUSED/);
      const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
        outcomes: ScenarioOutcome[];
      };
      assert.equal(results.outcomes[0]?.status, 'partial');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('exits 0 when every scenario is ok (the control)', { timeout: 90_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'gatehouse-bench-exit-'));
    try {
      const { code, stderr } = await runBench(['--quick', '--only', 'session', '--out', out], {});
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /NOT OK/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
