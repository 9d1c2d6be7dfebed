import { execFileSync } from 'node:child_process';
import { arch, availableParallelism, cpus, loadavg, type as osType, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  /** Logical cores the OS reports, and how many this process may use (cgroup limits count). */
  cores: number;
  availableParallelism: number;
  memoryBytes: number;
  node: string;
  v8: string;
  os: string;
  /** libuv thread pool size: where argon2 and other crypto jobs run. */
  uvThreadpoolSize: number;
}

export function describeMachine(): MachineInfo {
  const cpuList = cpus();
  const models = [...new Set(cpuList.map((cpu) => cpu.model.trim()))];
  return {
    cpuModel: models.join(', ') || 'unknown',
    cores: cpuList.length,
    availableParallelism: availableParallelism(),
    memoryBytes: totalmem(),
    node: process.version,
    v8: process.versions.v8,
    os: `${osType()} ${release()} (${arch()})`,
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4,
  };
}

/**
 * The 1-, 5- and 15-minute load averages: other work on the machine during a run shows here, and
 * explains figures that differ from another run.
 */
export function describeLoad(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
}

/**
 * A warning for the report when the machine was already busy before the bench started (1-minute
 * load average above half the cores): other work competes for the CPU, so absolute figures, and
 * ratios of cases measured at different moments, deserve less trust. Only the load at the start
 * tells: later readings include the bench's own processes. Null when the machine looked quiet.
 */
export function busyMachineNotice(loadAtStart: number, cores: number): string | null {
  if (loadAtStart <= cores / 2) return null;
  return `The machine was busy when this run started (1-minute load average ${loadAtStart.toFixed(1)} on ${cores} cores): absolute figures, and ratios between cases measured at different moments, are less reliable than usual. Compare with a run on a quiet machine.`;
}

/** The machine as table rows (label, value), for both report formats. */
export function machineRows(machine: MachineInfo): string[][] {
  return [
    ['CPU', machine.cpuModel],
    ['Cores', `${machine.cores} logical (${machine.availableParallelism} available to Node)`],
    ['Memory', `${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB`],
    ['Node.js', `${machine.node} (V8 ${machine.v8})`],
    ['OS', machine.os],
    ['libuv pool', `${machine.uvThreadpoolSize} threads`],
  ];
}

/**
 * The machine in a phrase for scenario notes, as detected: "2 logical cores (AMD EPYC 7B13)", with
 * how many Node may use when a cgroup limits it.
 */
export function describeCores(machine: MachineInfo = describeMachine()): string {
  const usable =
    machine.availableParallelism < machine.cores ? `, ${machine.availableParallelism} available to Node` : '';
  return `${machine.cores} logical core${machine.cores === 1 ? '' : 's'}${usable} (${machine.cpuModel})`;
}

/**
 * The commit the bench ran on, and whether the work tree had uncommitted changes to tracked
 * files (then the figures are of that commit plus those changes). Null outside a git checkout.
 */
export function describeCommit(cwd = import.meta.dirname): { commit: string; dirty: boolean } | null {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}
