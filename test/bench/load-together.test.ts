/**
 * bench/lib/load.ts `countTogether` (via `loadCasesTogether`, in this process and in load processes
 * of their own): loads run at the same time are counted over one shared window. autocannon alone
 * notices the end of its duration only at its next tick, so two runs of one duration could end a
 * tick apart, and goal 1's pairs then compared 1.25 s of one side with 1 s of the other.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadCasesTogether, startLoadProcesses } from '../../bench/lib/http-service.ts';
import type { Worker } from '../../bench/lib/workers.ts';
import type { HttpCase } from '../../bench/workers/http/types.ts';

const CONNECTIONS = 4;

/** A server that notes when it answered each request; `status` decides each answer's status. */
async function startNoting(status: (nth: number) => number) {
  const answeredAt: number[] = [];
  const server: Server = createServer((_request, response) => {
    answeredAt.push(performance.now());
    response.statusCode = status(answeredAt.length);
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, answeredAt };
}

const httpCase = (name: string): HttpCase => ({
  name,
  group: 'baseline',
  path: '/',
  method: 'GET',
  headers: {},
});

describe('bench: loads run together are counted over one window', () => {
  const servers: Awaited<ReturnType<typeof startNoting>>[] = [];
  before(async () => {
    servers.push(await startNoting(() => 200), await startNoting(() => 200));
  });
  after(() => {
    for (const { server } of servers) server.close();
  });

  const modes: [string, () => Promise<Worker<unknown>[] | undefined>][] = [
    ['by autocannon in this process', async () => undefined],
    ['by load processes of their own', () => startLoadProcesses(2)],
  ];
  for (const [mode, startRunners] of modes) {
    it(`counts what each server answered inside the window, not the lead-in nor the tail (${mode})`, async () => {
      const runners = await startRunners();
      const window = { open: 0, close: 0 };
      try {
        const loads = await loadCasesTogether(
          servers.map(({ port }, at) => ({ port, httpCase: httpCase(`server ${at}`) })),
          CONNECTIONS,
          {
            seconds: 0.4,
            leadInSeconds: 0.2,
            onOpen: () => (window.open = performance.now()),
            onClose: () => (window.close = performance.now()),
          },
          runners,
        );
        // Timers count whole milliseconds: one may fire a fraction of one early.
        assert.ok(window.close - window.open >= 399, 'the window lasts its seconds');
        for (const [at, { answeredAt }] of servers.entries()) {
          const inside = answeredAt.filter((time) => time >= window.open && time <= window.close).length;
          const load = loads[at]!;
          assert.ok(inside > 20, `server ${at} answered ${inside} requests in the window`);
          // A request answered just before the window opened can complete inside it, one per
          // connection; a load process opens and closes its window a message later (under 1 %).
          assert.ok(
            Math.abs(load.completed - inside) <= CONNECTIONS + inside / 100,
            `server ${at}: ${load.completed} counted, ${inside} answered in the window`,
          );
          assert.ok(answeredAt[0]! < window.open, `server ${at} was loaded before the window (lead-in)`);
          assert.ok(
            answeredAt.length > load.completed + CONNECTIONS,
            'the lead-in and the tail are not counted',
          );
          assert.ok(load.rateSamples.length >= 1 && load.latencySamples.length === load.completed);
        }
      } finally {
        for (const runner of runners ?? []) await runner.stop();
        for (const noting of servers) noting.answeredAt.length = 0;
      }
    });
  }

  for (const [mode, startRunners] of modes) {
    it(`a non-2xx answer anywhere in the run, even before the window, fails the loads (${mode})`, async () => {
      const failing = await startNoting((nth) => (nth <= 2 ? 503 : 200));
      const runners = await startRunners();
      try {
        await assert.rejects(
          loadCasesTogether(
            [
              { port: servers[0]!.port, httpCase: httpCase('fine') },
              { port: failing.port, httpCase: httpCase('refused at first') },
            ],
            CONNECTIONS,
            { seconds: 0.2, leadInSeconds: 0.2 },
            runners,
          ),
          /refused at first: \d+ requests, 2 non-2xx/,
        );
      } finally {
        for (const runner of runners ?? []) await runner.stop();
        failing.server.close();
      }
    });
  }
});
