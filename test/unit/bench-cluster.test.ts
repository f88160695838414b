import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { failoverSummary, ratio } from '../../bench/cluster/cluster-section.ts';
import { markedSection, putSectionWithGlance } from '../../bench/doc-sections.ts';
import { findChild, parseStat, readAllStats, treeTicks, type ProcStat } from '../../bench/cluster/proc-tree.ts';

/** The cluster benchmark's pure helpers: reading CPU from /proc, and the figures its section derives. */
const line = (pid: number, comm: string, ppid: number, [u, s, cu, cs]: number[]) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194304 100 0 0 0 ${u} ${s} ${cu} ${cs} 20 0 1 0 3987054 3133440 383`;

describe('/proc/<pid>/stat', () => {
  it('reads the parent and utime + stime + cutime + cstime, also when the command name holds spaces and parentheses', () => {
    expect(parseStat(line(42, 'postgres', 7, [10, 5, 3, 2]))).toEqual({ pid: 42, comm: 'postgres', ppid: 7, ticks: 20 });
    // A name like "a) S 1 (b" would end the name early if it were cut at the first ')'.
    expect(parseStat(line(43, 'a) S 1 (b', 9, [1, 1, 0, 0]))).toEqual({ pid: 43, comm: 'a) S 1 (b', ppid: 9, ticks: 2 });
  });

  it('refuses a line that is not a stat line, naming it', () => {
    expect(() => parseStat('hello')).toThrow(/not a \/proc\/<pid>\/stat line: "hello"/);
    expect(() => parseStat('1 (x) S')).toThrow(/without CPU times/);
  });

  it("adds up a tree: the root (with its reaped children) and every live descendant, nobody else's", () => {
    const stats: ProcStat[] = [
      { pid: 1, comm: 'init', ppid: 0, ticks: 1000 },
      { pid: 10, comm: 'postgres', ppid: 1, ticks: 50 },
      { pid: 11, comm: 'postgres', ppid: 10, ticks: 7 },
      { pid: 12, comm: 'postgres', ppid: 10, ticks: 3 },
      { pid: 13, comm: 'child of 12', ppid: 12, ticks: 1 },
      { pid: 20, comm: 'node', ppid: 1, ticks: 400 },
    ];
    expect(treeTicks(stats, 10)).toBe(61);
    expect(treeTicks(stats, 99)).toBeNaN();
  });

  it('finds a child process by name and argument, and reads this machine’s processes', async () => {
    const child = spawn('sleep', ['30', '7777']);
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(findChild(process.pid, 'sleep', '7777')).toBe(child.pid);
      expect(findChild(process.pid, 'sleep', '8888')).toBeUndefined();
      expect(readAllStats().some((s) => s.pid === process.pid)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
});

describe('the cluster section figures', () => {
  it('takes failover p50 and max over the rounds, a round that never recovered counting as the longest', () => {
    const round = (ack: number, served: number) => ({ killToAckMs: ack, killToServedMs: served, sales: 100, unacknowledged: 0, reconnects: 24 });
    expect(failoverSummary([round(3600, 3100), round(3500, 3000), round(7600, 3300)])).toEqual({ ackP50: 3600, ackMax: 7600, servedP50: 3100, servedMax: 3300 });
    expect(failoverSummary([round(3600, 3100), round(Infinity, NaN)]).ackMax).toBe(Infinity);
    expect(failoverSummary([round(3600, 3100), round(Infinity, NaN)]).servedMax).toBe(Infinity);
  });

  it('gives ratios only between two measured figures', () => {
    expect(ratio(3, 2)).toBe('1.50 ×');
    expect(ratio(3, 0)).toBe('n/a');
    expect(ratio(undefined, 2)).toBe('n/a');
    expect(ratio(NaN, 2)).toBe('n/a');
  });
});

describe('a section measured on its own, written with its at-a-glance rows', () => {
  const section = (value: string) => `## Cluster\n\n<!-- at-a-glance:start -->\n| Figure | Measured | Target | | Reference | Ratio |\n|---|---:|---:|:---:|---:|---:|\n| failover | ${value} | ≤ 5 s | met |  |  |\n<!-- at-a-glance:end -->`;
  const doc = ['# Benchmarks', '', '## Targets at a glance', '', '| Figure | Measured | Target | | Reference | Ratio |', '|---|---:|---:|:---:|---:|---:|', '| sale commit p99 | 4 ms | ≤ 10 ms | met |  |  |', '', '## Ledger', ''].join('\n');

  it('adds its rows to the targets table, and on the next run replaces them instead of adding them again', () => {
    const once = putSectionWithGlance(doc, 'cluster', section('3.9 s'));
    expect(markedSection(once, 'cluster')).toContain('| failover | 3.9 s |');
    const table = (d: string) => d.slice(d.indexOf('## Targets at a glance'), d.indexOf('## Ledger'));
    expect(table(once)).toContain('| sale commit p99 | 4 ms |');
    expect(table(once)).toContain('| failover | 3.9 s |');
    // After the table's |---| line and its last row, never between its header and that line.
    expect(table(once)).toContain('|---|---:|---:|:---:|---:|---:|\n| sale commit p99 | 4 ms | ≤ 10 ms | met |  |  |\n| failover | 3.9 s |');
    const twice = putSectionWithGlance(once, 'cluster', section('4.2 s'));
    expect(table(twice)).toContain('| failover | 4.2 s |');
    expect(table(twice)).not.toContain('3.9 s');
    expect(table(twice)).toContain('| sale commit p99 | 4 ms |');
    expect(twice.match(/cluster:start/g)).toHaveLength(1);
  });

  it('writes the section alone into a file without a targets table', () => {
    expect(putSectionWithGlance('# Benchmarks\n', 'cluster', section('3.9 s'))).toBe(`# Benchmarks\n\n<!-- cluster:start -->\n${section('3.9 s')}\n<!-- cluster:end -->\n`);
  });
});
