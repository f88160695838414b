import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of a process tree from /proc: PostgreSQL runs as a postmaster and one backend process per
 * connection (plus its writers), so its CPU is the postmaster's and its children's added up. A child that
 * exited and was reaped is in the postmaster's cutime/cstime, so nothing is lost when backends come and go.
 */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks: the process's CPU and its reaped children's. */
  ticks: number;
}

/** One /proc/<pid>/stat line. The command name may hold spaces and parentheses: it ends at the LAST ')'. */
export function parseStat(line: string): ProcStat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: "${line.slice(0, 80)}"`);
  // After "(comm) ": state is field 3, ppid 4, utime 14, stime 15, cutime 16, cstime 17 (1-based, man proc(5)).
  const f = line.slice(close + 2).trim().split(/\s+/);
  const n = (i: number) => Number(f[i - 3]);
  const ticks = n(14) + n(15) + n(16) + n(17);
  if (!Number.isFinite(ticks) || !Number.isFinite(n(4))) throw new Error(`a /proc/<pid>/stat line without CPU times: "${line.slice(0, 80)}"`);
  return { pid: Number(line.slice(0, open).trim()), comm: line.slice(open + 1, close), ppid: n(4), ticks };
}

/** The tree's ticks: the root's (with its reaped children) plus every live descendant's. */
export function treeTicks(stats: readonly ProcStat[], root: number): number {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const rootStat = stats.find((s) => s.pid === root);
  if (!rootStat) return NaN;
  let ticks = 0;
  const stack = [rootStat];
  while (stack.length) {
    const s = stack.pop()!;
    ticks += s.ticks;
    stack.push(...(children.get(s.pid) ?? []));
  }
  return ticks;
}

/** Every process's stat line now (processes that end while being read are skipped). */
export function readAllStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(parseStat(readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      // gone already
    }
  }
  return out;
}

/** The child of `parent` named `comm` whose command line holds `arg` (the embedded PostgreSQL's postmaster: its port). */
export function findChild(parent: number, comm: string, arg: string): number | undefined {
  for (const s of readAllStats()) {
    if (s.ppid !== parent || s.comm !== comm) continue;
    const cmd = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0');
    if (cmd.includes(arg)) return s.pid;
  }
  return undefined;
}
