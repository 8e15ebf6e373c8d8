// The whole machine's CPU time from /proc/stat, in seconds across all cores: what the server, the
// database, the load generator and the kernel used together, and what the hypervisor took (steal).
// On a shared VM steal is why figures move between runs; per answer, the busy time is what an
// answer really costs this machine, wherever it was spent.
import { readFileSync } from 'node:fs';

/** Linux reports CPU times in clock ticks; 100 per second on every mainstream kernel configuration. */
const CLOCK_TICKS_PER_SECOND = 100;

export type MachineCpu = { readonly busySeconds: number; readonly stealSeconds: number; readonly totalSeconds: number };

export function readMachineCpu(stat: string = readFileSync('/proc/stat', 'utf8')): MachineCpu {
  const line = stat.split('\n').find((candidate) => candidate.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no cpu line');
  // user nice system idle iowait irq softirq steal (guest time is already in user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busySeconds: busy / CLOCK_TICKS_PER_SECOND, stealSeconds: steal / CLOCK_TICKS_PER_SECOND, totalSeconds: (busy + idle + iowait + steal) / CLOCK_TICKS_PER_SECOND };
}

/** The difference between two readings: busy time, and steal's share of all the time that passed. */
export function machineCpuBetween(before: MachineCpu, after: MachineCpu): { busySeconds: number; stealShare: number } {
  const total = after.totalSeconds - before.totalSeconds;
  return { busySeconds: after.busySeconds - before.busySeconds, stealShare: total > 0 ? (after.stealSeconds - before.stealSeconds) / total : 0 };
}
