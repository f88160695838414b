/**
 * The soak's samples and what they say: per-interval rows, the slope of each memory figure against the
 * operations done (after warm-up), and whether a process grows faster than the documents it holds.
 */
export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SoakSample {
  /** Seconds since the load started (end of the interval). */
  t: number;
  /** Operations so far: till sales committed + online orders accepted. */
  ops: number;
  sales: number;
  orders: number;
  server: { rss: number; heapUsed: number; heapFloor: number; heapTotal: number; external: number; docs: number; connections: number; updatesIn: number; updatesOut: number; cores: number };
  tills: { heapUsed: number; rss: number; outbox: number; online: number; errors: number; cores: number };
  /** The organiser-style reader (this process): every document applied, heap after full collections. */
  reader: { heapUsed: number; updates: number };
  commit: LatencyStats;
  propagation: LatencyStats;
  order: LatencyStats;
  /** Everything else on the machine, in cores, over the interval. */
  otherCores: number;
}

export interface Slope {
  /** Bytes per 10,000 operations. */
  per10k: number;
  /** Fraction of the variance the straight line explains. */
  r2: number;
}

/** Least-squares line of y against x. */
export function slope(points: readonly { x: number; y: number }[]): Slope {
  const n = points.length;
  if (n < 3) return { per10k: NaN, r2: NaN };
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
  }
  const b = sxx ? sxy / sxx : NaN;
  return { per10k: b * 10_000, r2: sxx && syy ? (sxy * sxy) / (sxx * syy) : 0 };
}

export interface Growth {
  name: string;
  slope: Slope;
  /** What the documents it holds account for, bytes per 10k operations. */
  expected: number;
  /** Where growth beyond `expected` starts to be flagged, bytes per 10k operations. */
  limit: number;
  flagged: boolean;
  first: number;
  last: number;
}

const MiB = 1024 * 1024;
/** Slack on top of the documents' own growth before a slope is called a leak: 3× plus 2 MiB per 10k ops. */
const FACTOR = 3;
const SLACK = 2 * MiB;

/**
 * Fits each memory figure against operations after warm-up. The documents only ever grow (a CRDT keeps its
 * history), so memory that grows with them is expected: the reader holds every document and nothing else
 * that grows, so its heap slope is what the documents cost; the server holds each document once, the tills
 * each hold their brand's (`tillsPerBrand` copies) plus the same data again in (fake) IndexedDB.
 */
export function growth(samples: readonly SoakSample[], warmupS: number, tillsPerBrand: number): { after: SoakSample[]; rows: Growth[] } {
  const after = samples.filter((s) => s.t >= warmupS);
  const fit = (f: (s: SoakSample) => number) => slope(after.map((s) => ({ x: s.ops, y: f(s) })));
  const docs = fit((s) => s.reader.heapUsed);
  const docsPer10k = Math.max(0, docs.per10k);
  const row = (name: string, f: (s: SoakSample) => number, expected: number): Growth => {
    const s = fit(f);
    const limit = FACTOR * expected + SLACK;
    return { name, slope: s, expected, limit, flagged: s.per10k > limit, first: after[0] ? f(after[0]) : NaN, last: after.at(-1) ? f(after.at(-1)!) : NaN };
  };
  return {
    after,
    rows: [
      { name: 'reader heap (every document, applied)', slope: docs, expected: docsPer10k, limit: NaN, flagged: false, first: after[0]?.reader.heapUsed ?? NaN, last: after.at(-1)?.reader.heapUsed ?? NaN },
      row('server heap (floor of 2 s readings)', (s) => s.server.heapFloor, docsPer10k),
      row('server RSS', (s) => s.server.rss, docsPer10k),
      row('tills heap (all tills, one process)', (s) => s.tills.heapUsed, 2 * tillsPerBrand * docsPer10k),
      row('tills RSS', (s) => s.tills.rss, 2 * tillsPerBrand * docsPer10k),
    ],
  };
}
