import { describe, expect, it } from 'vitest';
import { markedSection, putMarkedSection } from '../../bench/doc-sections.ts';
import { lineChart, ticks } from '../../bench/plot.ts';
import { spliceSection } from '../../bench/report.ts';
import { growth, slope, type SoakSample } from '../../bench/soak/analyse.ts';

/** The report generator's pieces: what `npm run bench` and `npm run soak` must keep, draw and conclude. */
const chaos = '<!-- chaos:start -->\n## Chaos run\n\n| seed | 42 |\n<!-- chaos:end -->';
const doc = ['# Benchmarks', '', 'All targets met on this run.', '', '## Sync server', '', '| a | 1 ms | ≤ 10 ms | yes |', '', chaos, ''].join('\n');

describe('docs/benchmarks.md sections', () => {
  it('finds a marked section and carries it over byte for byte', () => {
    expect(markedSection(doc, 'chaos')).toBe(chaos);
    expect(markedSection(doc, 'soak')).toBeUndefined();
    const withSoak = putMarkedSection(doc, 'soak', '## Soak\n\nflat');
    expect(markedSection(withSoak, 'chaos')).toBe(chaos);
    expect(markedSection(withSoak, 'soak')).toBe('<!-- soak:start -->\n## Soak\n\nflat\n<!-- soak:end -->');
    // Replacing it again leaves one soak section.
    const again = putMarkedSection(withSoak, 'soak', '## Soak\n\nstill flat');
    expect(again.match(/soak:start/g)).toHaveLength(1);
    expect(again).toContain('still flat');
  });

  it('rewrites one benchmark section without eating the marked section after it', () => {
    const out = spliceSection(doc, { title: 'Sync server', figures: [{ name: 'b', value: 12, unit: 'ms', target: 10 }], method: ['how'] });
    expect(markedSection(out, 'chaos')).toBe(chaos);
    expect(out).toContain('| b | 12 ms | ≤ 10 ms | **NO** |');
    expect(out).not.toContain('| a | 1 ms');
    expect(out).toContain('**Targets missed on this run:**\n\n- b: 12 ms against a target of ≤ 10 ms');
  });
});

describe('plot', () => {
  it('puts round ticks over the range', () => {
    expect(ticks(0, 17_147)).toEqual([0, 5000, 10_000, 15_000]);
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('draws every series with its legend and escapes text', () => {
    const svg = lineChart({ title: 'A < B', xLabel: 'x', yLabel: 'y', series: [{ name: 'ours', points: [[1, 2], [2, 4]] }, { name: 'ref', points: [[1, 1], [2, NaN]], dashed: true }] });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('A &lt; B');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('>ours</text>');
    expect(svg).toContain('stroke-dasharray="7 4"');
  });
});

describe('soak growth verdict', () => {
  const sample = (i: number, serverPerOp: number): SoakSample => {
    const ops = i * 1000;
    const lat = { n: 1, p50: 1, p95: 1, p99: 1, max: 1 };
    return {
      t: i * 10,
      ops,
      sales: ops,
      orders: 0,
      server: { rss: 80e6 + ops * serverPerOp, heapUsed: 0, heapFloor: 10e6 + ops * serverPerOp, heapTotal: 0, external: 0, docs: 10, connections: 20, updatesIn: ops, updatesOut: ops, cores: 0.1 },
      tills: { heapUsed: 20e6 + ops * 2000, rss: 150e6, outbox: 0, online: 6, errors: 0, cores: 0.2 },
      reader: { heapUsed: 14e6 + ops * 1000, updates: ops },
      commit: lat,
      propagation: lat,
      order: lat,
      otherCores: 0,
    };
  };

  it('fits a straight line', () => {
    expect(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }]).per10k).toBeCloseTo(20_000);
  });

  it('passes memory that grows with the documents and flags memory that outgrows them', () => {
    const fine = growth(Array.from({ length: 20 }, (_, i) => sample(i, 1500)), 20, 2).rows;
    expect(fine.filter((g) => g.flagged)).toEqual([]);
    const leaking = growth(Array.from({ length: 20 }, (_, i) => sample(i, 5000)), 20, 2).rows;
    expect(leaking.filter((g) => g.flagged).map((g) => g.name)).toEqual(['server heap (floor of 2 s readings)', 'server RSS']);
  });
});
