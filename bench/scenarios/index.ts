import type { Scenario } from '../lib/types.ts';

export interface ScenarioEntry {
  name: string;
  title: string;
  /**
   * Imported only when the scenario runs: packages are being written while the lab runs, and a
   * module that fails to load must fail its own scenario, not the whole run.
   */
  load(): Promise<Scenario>;
}

/** Every scenario, in report order. */
export const scenarios: readonly ScenarioEntry[] = [
  {
    name: 'verify',
    title: 'In-process access-token verification',
    load: async () => (await import('./verify.ts')).verifyScenario,
  },
  {
    name: 'dpop',
    title: 'DPoP: a proof-checked request next to a Bearer one',
    load: async () => (await import('./dpop.ts')).dpopScenario,
  },
  {
    name: 'session',
    title: 'Session validation',
    load: async () => (await import('./session.ts')).sessionScenario,
  },
  {
    name: 'http',
    title: 'HTTP: a tiny service, unguarded and guarded',
    load: async () => (await import('./http.ts')).httpScenario,
  },
  {
    name: 'adapters',
    title: 'Framework adapters: a guarded route next to the open one',
    load: async () => (await import('./adapters.ts')).adaptersScenario,
  },
  { name: 'bytes', title: 'Bytes on the wire', load: async () => (await import('./bytes.ts')).bytesScenario },
  {
    name: 'revocation',
    title: 'Revocation delay across verifier processes',
    load: async () => (await import('./revocation.ts')).revocationScenario,
  },
  {
    name: 'fanout',
    title: 'Revocation feed fan-out to many SSE followers',
    load: async () => (await import('./fanout.ts')).fanoutScenario,
  },
  { name: 'login', title: 'Login under load', load: async () => (await import('./login.ts')).loginScenario },
  {
    name: 'runtimes',
    title: 'The verifier on every runtime, and pull mode',
    load: async () => (await import('./runtimes.ts')).runtimesScenario,
  },
  {
    name: 'memory',
    title: 'Memory of the revocation set',
    load: async () => (await import('./memory.ts')).memoryScenario,
  },
];
