import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import type { ChaosReport } from './run.ts';

/**
 * Writes a chaos run's figures into docs/benchmarks.md between its own markers, replacing an earlier chaos
 * section and leaving the rest of the file (written by `npm run bench`) alone.
 */
export const START = '<!-- chaos:start -->';
export const END = '<!-- chaos:end -->';

export function chaosSection(r: ChaosReport, when: Date): string {
  const lines = [
    START,
    '## Chaos run',
    '',
    `\`npm run test:chaos -- --tills ${r.options.nodeTills + r.options.browserTills} --browsers ${r.options.browserTills} --minutes ${Number((r.options.durationMs / 60_000).toFixed(2))}${r.options.kills !== undefined ? ` --kills ${r.options.kills}` : ''} --seed ${r.seed}\` on ${when.toISOString().slice(0, 10)}, ${cpus().length} cores (shared), ${Math.round(r.elapsedMs / 1000)} s in all. What the suite does and what each fault covers: [chaos.md](chaos.md).`,
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
    END,
  ];
  return lines.join('\n');
}

export async function recordInBenchmarks(path: string, r: ChaosReport): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '# Benchmarks\n');
  const section = chaosSection(r, new Date());
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  const next = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(path, next);
}
