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
  /** The figure's target: at most this, unless `targetKind` says otherwise. */
  target?: number;
  /** 'max' (default): at most `target`; 'min': at least `target`; 'exact': equal to `target`. */
  targetKind?: 'max' | 'min' | 'exact';
  /** Decimal places to print. */
  digits?: number;
}

export interface BenchReport {
  title: string;
  figures: Figure[];
  /** How it was measured, one sentence a line. */
  method: string[];
}

export const meets = (f: Figure): boolean | undefined => {
  if (f.target === undefined) return undefined;
  if (!Number.isFinite(f.value)) return false;
  switch (f.targetKind ?? 'max') {
    case 'max':
      return f.value <= f.target;
    case 'min':
      return f.value >= f.target;
    case 'exact':
      return f.value === f.target;
  }
};

/** "≤ 10 ms", "≥ 1.30 ×", "= 1,000": the target as the tables print it. */
export function targetText(f: Figure): string {
  if (f.target === undefined) return '';
  const sign = { max: '≤', min: '≥', exact: '=' }[f.targetKind ?? 'max'];
  const digits = Number.isInteger(f.target) ? 0 : (f.digits ?? 2);
  return `${sign} ${formatValue(f.target, f.unit, digits)}`;
}

export function formatValue(value: number, unit: string, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  const n = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${n} ${unit}` : n;
}

const verdict = (f: Figure): string => {
  const ok = meets(f);
  return ok === undefined ? '' : ok ? 'yes' : '**NO**';
};

/** One line of the report's "Targets missed" list. */
export const missedTarget = (f: Figure): string => `${f.name}: ${formatValue(f.value, f.unit, f.digits)} against a target of ${targetText(f)}`;

/** Plain text for stdout. */
export function printReport(r: BenchReport): void {
  console.log(`\n== ${r.title}`);
  const width = Math.max(...r.figures.map((f) => f.name.length));
  for (const f of r.figures) {
    const target = f.target === undefined ? '' : `  (target ${targetText(f)}: ${meets(f) ? 'met' : 'MISSED'})`;
    console.log(`  ${f.name.padEnd(width)}  ${formatValue(f.value, f.unit, f.digits)}${target}`);
  }
}

/** A Markdown section: heading, figure table, method notes. */
export function reportMarkdown(r: BenchReport): string {
  const rows = r.figures.map(
    (f) => `| ${f.name} | ${formatValue(f.value, f.unit, f.digits)} | ${targetText(f)} | ${verdict(f)} |`,
  );
  return [`## ${r.title}`, '', '| Figure | Measured | Target | Meets |', '|---|---:|---:|:---:|', ...rows, '', ...r.method.map((m) => `- ${m}`), ''].join('\n');
}

/** True when this module is the script node was started with (so a bench file runs on its own too). */
export function isMain(importMetaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(resolve(script)).href === importMetaUrl;
}

/**
 * Puts one report's section into an existing docs/benchmarks.md (replacing its old section, or appended),
 * and rewrites the "Targets missed" list from every table in the file: for refreshing one benchmark
 * without running them all.
 */
export function spliceSection(doc: string, r: BenchReport): string {
  const md = reportMarkdown(r);
  const start = doc.indexOf(`\n## ${r.title}\n`);
  let out: string;
  if (start < 0) out = `${doc.trimEnd()}\n\n${md}`;
  else {
    // A section ends at the next heading or at a marked section (soak, chaos: see doc-sections.ts).
    const ends = [doc.indexOf('\n## ', start + 1), doc.indexOf('\n<!-- ', start + 1)].filter((i) => i >= 0);
    const next = ends.length ? Math.min(...ends) : -1;
    out = doc.slice(0, start + 1) + md + (next < 0 ? '' : `\n${doc.slice(next + 1)}`);
  }
  const missed = [...out.matchAll(/^\| (.+?) \| (.*?) \| (.*?) \| \*\*NO\*\* \|$/gm)].map((m) => `- ${m[1]}: ${m[2]} against a target of ${m[3]}`);
  const summary = missed.length ? ['**Targets missed on this run:**', '', ...missed].join('\n') : 'All targets met on this run.';
  return out.replace(/^(\*\*Targets missed on this run:\*\*\n\n(?:- .*\n)*|All targets met on this run\.\n)/m, `${summary}\n`);
}
