import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function, and per package or source file,
 * so the report can say where a server spends its time.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: { name: string; where: string; selfMs: number; pct: number }[];
  areas: { area: string; selfMs: number; pct: number }[];
  /** Time inside a function and everything it called, for functions of the server's own code. */
  inclusive: { name: string; ms: number; pct: number }[];
}

/** Where a frame's code comes from: an npm package, one of our folders, Node itself, or V8 (GC, idle …). */
export function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('data:')) return '(bench stats hook)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const ours = /\/(core|sync-server)\/([^/]+)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  const file = url.split('/').pop() ?? url;
  return file;
}

/** Our own code: the bundled launcher (sync-server + core), or the TypeScript sources. */
const isOwnCode = (url: string): boolean => url.endsWith('/launcher.mjs') || /\/(core|sync-server)\/[^/]+\.ts$/.test(url);

export function summarise(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') continue;
    total += us;
    const name = functionName || '(anonymous)';
    const where = url ? `${areaOf(url, name)}:${lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const f = fn.get(key) ?? { name, where, us: 0 };
    f.us += us;
    fn.set(key, f);
    const area = areaOf(url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  // Inclusive: each node's self time counted once for every distinct own-code function on its stack.
  const incl = new Map<string, number>();
  for (const [id, us] of self) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!isOwnCode(f.url) || !f.functionName) continue;
      if (seen.has(f.functionName)) continue;
      seen.add(f.functionName);
      incl.set(f.functionName, (incl.get(f.functionName) ?? 0) + us);
    }
  }
  const pct = (us: number) => (total ? (us / total) * 100 : 0);
  return {
    inclusive: [...incl]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: pct(us) })),
    totalMs: total / 1000,
    functions: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, pct: pct(f.us) })),
    areas: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, us]) => ({ area, selfMs: us / 1000, pct: pct(us) })),
  };
}

/** The newest .cpuprofile in a folder, summarised. */
export async function summariseDir(dir: string, top = 15): Promise<ProfileSummary | undefined> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  const last = files.at(-1);
  if (!last) return undefined;
  return summarise(JSON.parse(await readFile(join(dir, last), 'utf8')) as CpuProfile, top);
}

export function printSummary(title: string, s: ProfileSummary): void {
  console.log(`\n  ${title}: ${s.totalMs.toFixed(0)} ms of CPU samples (idle excluded)`);
  console.log('  by area (self time):');
  for (const a of s.areas) console.log(`    ${a.pct.toFixed(1).padStart(5)} %  ${a.selfMs.toFixed(0).padStart(6)} ms  ${a.area}`);
  console.log('  top functions (self time):');
  for (const f of s.functions) console.log(`    ${f.pct.toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`);
  if (s.inclusive.length) {
    console.log('  own code, inclusive (the function and all it calls):');
    for (const f of s.inclusive) console.log(`    ${f.pct.toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`);
  }
}
