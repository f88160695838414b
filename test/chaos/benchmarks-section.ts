import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import type { ChaosReport } from './run.ts';

/**
 * Writes a chaos run's figures into docs/benchmarks.md between its own markers, replacing an earlier chaos
 * section and leaving the rest of the file (written by `npm run bench`) alone.
 */
export const START = '<!-- chaos:start -->';
export const END = '<!-- chaos:end -->';

/** Inside the chaos section, one part per kind of run, each between its own markers, so either is rewritten alone. */
const PART = { single: ['<!-- chaos:one-process:start -->', '<!-- chaos:one-process:end -->'], cluster: ['<!-- chaos:cluster:start -->', '<!-- chaos:cluster:end -->'] } as const;

export function chaosPart(r: ChaosReport, when: Date): string {
  const o = r.options;
  const kind = o.cluster ? 'cluster' : 'single';
  const lines = [
    PART[kind][0],
    o.cluster ? `### ${o.cluster} server processes on one PostgreSQL` : '### One server process on the embedded store',
    '',
    `\`npm run test:chaos -- --tills ${o.nodeTills + o.browserTills} --browsers ${o.browserTills} --minutes ${Number((o.durationMs / 60_000).toFixed(2))}${o.kills !== undefined ? ` --kills ${o.kills}` : ''}${o.cluster ? ` --cluster ${o.cluster}` : ''} --seed ${r.seed}\` on ${when.toISOString().slice(0, 10)}, ${cpus().length} cores (shared; load average ${r.load.map((l) => l.toFixed(1)).join(', ')} at the end), ${Math.round(r.elapsedMs / 1000)} s in all.`,
    '',
    '| what happened | |',
    '|---|---|',
    ...r.table.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '| invariant | result |',
    '|---|---|',
    ...r.checks.map((c) => `| ${c.name} | ${c.problems.length ? `**FAIL** (${c.problems.length}): ${c.problems[0]!.replace(/\|/g, '\\|')}` : 'holds'}: ${c.detail} |`),
    '',
    r.passed ? 'Every invariant held.' : '**The run failed**: see the invariants above.',
    PART[kind][1],
  ];
  return lines.join('\n');
}

/** The part of `section` between `markers`, if it is there. */
function partOf(section: string, markers: readonly [string, string]): string | undefined {
  const a = section.indexOf(markers[0]);
  const b = section.indexOf(markers[1]);
  return a >= 0 && b > a ? section.slice(a, b + markers[1].length) : undefined;
}

export async function recordInBenchmarks(path: string, r: ChaosReport): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '# Benchmarks\n');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  const old = a >= 0 && b > a ? text.slice(a, b + END.length) : '';
  const mine = chaosPart(r, new Date());
  const kind = r.options.cluster ? 'cluster' : 'single';
  const parts = (['single', 'cluster'] as const).map((k) => (k === kind ? mine : partOf(old, PART[k]))).filter((p): p is string => p !== undefined);
  const section = [
    START,
    '## Chaos run',
    '',
    'What the suite does and what each fault covers: [chaos.md](chaos.md). The cluster run adds SIGKILLs of the process that owns the event and stalls (SIGSTOP past its lease, then SIGCONT) to the same faults.',
    '',
    parts.join('\n\n'),
    END,
  ].join('\n');
  const next = old ? text.slice(0, a) + section + text.slice(b + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(path, next);
}
