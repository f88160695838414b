import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What a benchmark hands back: named figures, some with a target. Benchmarks never fail on timing; a missed
 * target is reported, not thrown.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The figure should be at most this (lower is better for everything measured here). */
  target?: number;
  /** Decimal places to print. */
  digits?: number;
}

export interface BenchReport {
  title: string;
  figures: Figure[];
  /** How it was measured, one sentence a line. */
  method: string[];
}

export const meets = (f: Figure): boolean | undefined => (f.target === undefined ? undefined : f.value <= f.target);

export function formatValue(value: number, unit: string, digits = 0): string {
  const n = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${n} ${unit}` : n;
}

const verdict = (f: Figure): string => {
  const ok = meets(f);
  return ok === undefined ? '' : ok ? 'yes' : '**NO**';
};

/** Plain text for stdout. */
export function printReport(r: BenchReport): void {
  console.log(`\n== ${r.title}`);
  const width = Math.max(...r.figures.map((f) => f.name.length));
  for (const f of r.figures) {
    const target = f.target === undefined ? '' : `  (target ≤ ${formatValue(f.target, f.unit, 0)}: ${meets(f) ? 'met' : 'MISSED'})`;
    console.log(`  ${f.name.padEnd(width)}  ${formatValue(f.value, f.unit, f.digits)}${target}`);
  }
}

/** A Markdown section: heading, figure table, method notes. */
export function reportMarkdown(r: BenchReport): string {
  const rows = r.figures.map(
    (f) => `| ${f.name} | ${formatValue(f.value, f.unit, f.digits)} | ${f.target === undefined ? '' : `≤ ${formatValue(f.target, f.unit, 0)}`} | ${verdict(f)} |`,
  );
  return [`## ${r.title}`, '', '| Figure | Measured | Target | Meets |', '|---|---:|---:|:---:|', ...rows, '', ...r.method.map((m) => `- ${m}`), ''].join('\n');
}

/** True when this module is the script node was started with (so a bench file runs on its own too). */
export function isMain(importMetaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(resolve(script)).href === importMetaUrl;
}
