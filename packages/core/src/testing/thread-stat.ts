import { readFileSync } from 'node:fs';

/** Fields of a thread's `/proc` stat line, numbered as in proc(5). */
export const STAT_NICE = 19;
export const STAT_POLICY = 41;
/** Scheduling policies as field 41 gives them. */
export const SCHED_OTHER = 0;
export const SCHED_IDLE = 5;

/**
 * One field of a thread of this process from `/proc/self/task/<tid>/stat` (`'self'`: the main
 * thread, `/proc/self/stat`), counted after the "(comm)" field, which may hold spaces. Linux only;
 * throws if the thread is gone.
 */
export function threadStatField(tid: number | 'self', field: number): number {
  const path = tid === 'self' ? '/proc/self/stat' : `/proc/self/task/${tid}/stat`;
  const stat = readFileSync(path, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[field - 3]);
}
