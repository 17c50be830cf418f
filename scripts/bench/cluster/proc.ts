// Resident memory and CPU time of processes, from /proc (Linux): `VmRSS` in /proc/<pid>/status,
// `Pss` in /proc/<pid>/smaps_rollup, and utime + stime (+ the reaped children's cutime + cstime) in
// /proc/<pid>/stat, in clock ticks.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticks: number | null = null;
/** Clock ticks per second (getconf CLK_TCK; 100 on every Linux this runs on). */
function clockTicks(): number {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

interface Stat {
  ppid: number;
  /** utime + stime, in ticks. */
  own: number;
  /** cutime + cstime: children that exited and were waited for, in ticks. */
  reaped: number;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

function readKiB(path: string, key: string): number {
  try {
    const line = readFileSync(path, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${key}:`));
    return line ? Number(line.split(/\s+/)[1]) : 0;
  } catch {
    return 0;
  }
}

/** Every live process's parent, for finding a process's descendants. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.set(Number(name), s.ppid);
  }
  return out;
}

/** The process and all its live descendants. */
export function processTree(root: number): number[] {
  const ppid = parents();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of ppid) if (parent === tree[i]) tree.push(pid);
  }
  return tree.filter((pid) => ppid.has(pid));
}

export interface ProcSample {
  /** Live processes counted. */
  processes: number;
  /** Sum of VmRSS (shared pages count once per process). */
  rssMiB: number;
  /** Sum of Pss: shared pages divided among the processes that map them. */
  pssMiB: number;
  /** CPU seconds (user + system) since the processes started, with their exited children's. */
  cpuSeconds: number;
}

/** RSS, PSS and CPU time summed over a process and its descendants (`tree`) or the one process. */
export function sampleProcesses(root: number, opts: { tree: boolean }): ProcSample {
  const pids = opts.tree ? processTree(root) : [root];
  let rss = 0;
  let pss = 0;
  let cpuTicks = 0;
  let live = 0;
  for (const pid of pids) {
    const s = readStat(pid);
    if (!s) continue;
    live++;
    cpuTicks += s.own + (pid === root ? s.reaped : 0);
    rss += readKiB(`/proc/${pid}/status`, 'VmRSS');
    pss += readKiB(`/proc/${pid}/smaps_rollup`, 'Pss');
  }
  return {
    processes: live,
    rssMiB: rss / 1024,
    pssMiB: pss / 1024,
    cpuSeconds: cpuTicks / clockTicks(),
  };
}

/** /proc/loadavg's first three fields. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}
