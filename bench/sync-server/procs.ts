import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Server processes for the sync-server benchmark: ours (the bundled launcher) and the reference
 * (@y/websocket-server's own bin, in memory), both on 127.0.0.1, and their CPU time and RSS read from
 * /proc/<pid> by this (the parent) process.
 */
export const OUT = fileURLToPath(new URL('../out/sync-server/', import.meta.url));
const LAUNCHER_TS = fileURLToPath(new URL('./launcher.ts', import.meta.url));
const LAUNCHER_JS = `${OUT}launcher.mjs`;
const REFERENCE = fileURLToPath(new URL('../../node_modules/@y/websocket-server/dist/server.cjs', import.meta.url));
/** Lets a process started with --cpu-prof exit (and write its profile) on SIGTERM. */
const EXIT_ON_SIGTERM = `data:text/javascript,${encodeURIComponent("process.on('SIGTERM', () => process.exit(0));")}`;
/**
 * Loaded into both servers: on SIGUSR2 it prints `STATS {…}` (event-loop delay since the last report, and
 * process.memoryUsage()) and starts a new delay histogram. Event-loop delay tells a server that is busy
 * (a long synchronous task) from one that is waiting (for the disk).
 */
const STATS_HOOK = `data:text/javascript,${encodeURIComponent(
  [
    "import { monitorEventLoopDelay } from 'node:perf_hooks';",
    // The histogram records whole timer intervals: the resolution is taken off to leave the delay.
    'const R = 5;',
    'const h = monitorEventLoopDelay({ resolution: R });',
    'const d = (ns) => Math.max(0, ns / 1e6 - R);',
    'h.enable();',
    "process.on('SIGUSR2', () => {",
    '  const m = process.memoryUsage();',
    "  process.stdout.write('STATS ' + JSON.stringify({ loopP50: d(h.percentile(50)), loopP99: d(h.percentile(99)), loopMax: d(h.max), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss }) + '\\n');",
    '  h.reset();',
    '});',
  ].join('\n'),
)}`;

export interface ServerStats {
  /** Event-loop delay since the previous report, ms. */
  loopP50: number;
  loopP99: number;
  loopMax: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ServerProc {
  kind: 'ours' | 'reference';
  pid: number;
  /** http://127.0.0.1:port */
  url: string;
  child: ChildProcess;
  stderr: string[];
  /** Asks the server for its event-loop delay (since the last call) and memory; rejects after `timeoutMs` (5 s). */
  stats(timeoutMs?: number): Promise<ServerStats>;
  stop(): Promise<void>;
}

/** Bundles the launcher (npm packages stay external, loaded from node_modules). */
export async function buildLauncher(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  await build({ entryPoints: [LAUNCHER_TS], outfile: LAUNCHER_JS, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
}

export function startOurs(opts: {
  dataDir: string;
  adminToken: string;
  limits?: Record<string, number>;
  hub?: Record<string, number>;
  cpuProfDir?: string;
  /** PostgreSQL as the store of record, and this process's URL for the others of a cluster (bench/cluster.bench.ts). */
  storeUrl?: string;
  advertise?: string;
  leaseTtlMs?: number;
  /** More flags for node before the launcher (a bench's own `--import` hook, for one). */
  nodeArgs?: string[];
}): Promise<ServerProc> {
  const config = {
    dataDir: opts.dataDir,
    adminToken: opts.adminToken,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.hub ? { hub: opts.hub } : {}),
    ...(opts.storeUrl ? { storeUrl: opts.storeUrl } : {}),
    ...(opts.advertise ? { advertise: opts.advertise } : {}),
    ...(opts.leaseTtlMs ? { leaseTtlMs: opts.leaseTtlMs } : {}),
  };
  const args = [...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []), '--import', STATS_HOOK, ...(opts.nodeArgs ?? []), LAUNCHER_JS, JSON.stringify(config)];
  return launch('ours', args, {}, /^READY (http:\/\/\S+)/);
}

export async function startReference(opts: { cpuProfDir?: string } = {}): Promise<ServerProc> {
  const port = await freePort();
  const args = [...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`, '--import', EXIT_ON_SIGTERM] : []), '--import', STATS_HOOK, REFERENCE];
  const p = await launch('reference', args, { HOST: '127.0.0.1', PORT: String(port) }, /running at/);
  p.url = `http://127.0.0.1:${port}`;
  return p;
}

function launch(kind: ServerProc['kind'], args: string[], env: Record<string, string>, ready: RegExp): Promise<ServerProc> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 200) stderr.push(s);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const statsWaiters: ((s: ServerStats) => void)[] = [];
  let lineBuf = '';
  return new Promise((resolve, reject) => {
    let ready_ = false;
    const timer = setTimeout(() => fail(new Error(`${kind} server did not start in 20 s`)), 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${stderr.join('')}`));
    };
    const early = (code: number | null) => fail(new Error(`${kind} server exited with ${code} before it was ready`));
    child.once('exit', early);
    const proc: ServerProc = {
      kind,
      pid: child.pid!,
      url: '',
      child,
      stderr,
      stats(timeoutMs = 5000) {
        return new Promise<ServerStats>((resolve, reject) => {
          // Say why: a server that died (and its last words) reads differently from one too busy to answer.
          const t = setTimeout(() => reject(new Error(`${kind} server did not report its stats in ${timeoutMs / 1000} s (${exited ? `it exited with ${child.exitCode ?? child.signalCode}` : 'still running'})${stderr.length ? `: ${stderr.join('').slice(-400)}` : ''}`)), timeoutMs);
          statsWaiters.push((st) => {
            clearTimeout(t);
            resolve(st);
          });
          child.kill('SIGUSR2');
        });
      },
      async stop() {
        if (exited) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exit;
        clearTimeout(killer);
      },
    };
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      lineBuf += chunk;
      let nl: number;
      while ((nl = lineBuf.indexOf('\n')) >= 0) {
        const line = lineBuf.slice(0, nl);
        lineBuf = lineBuf.slice(nl + 1);
        if (line.startsWith('STATS ')) {
          statsWaiters.shift()?.(JSON.parse(line.slice(6)) as ServerStats);
          continue;
        }
        const m = ready_ ? null : ready.exec(line);
        if (!m) continue;
        ready_ = true;
        clearTimeout(timer);
        child.off('exit', early);
        proc.url = m[1] ?? '';
        resolve(proc);
      }
    });
  });
}

/** A port nobody listens on right now (the reference server cannot be told to pick one and say which). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface ProcSample {
  /** Wall clock, ms (performance.now()). */
  at: number;
  /** utime + stime, in seconds. */
  cpuS: number;
  rssBytes: number;
}

export function sample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based, man proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { at: performance.now(), cpuS: ticks / CLK_TCK, rssBytes: rssKb * 1024 };
}

/** CPU seconds the whole machine spent busy (all CPUs; idle and iowait excluded), from /proc/stat. */
export function machineBusyS(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - v[3]! - v[4]!) / CLK_TCK;
}

const ownCpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export interface WindowUse {
  cpuS: number;
  wallS: number;
  /** Server CPU as % of one core. */
  cpuPct: number;
  peakRss: number;
  lastRss: number;
  /** CPU of this (load-generating) process, in cores. */
  loadgenCores: number;
  /** Everything else on the machine (other people's builds and tests), in cores. */
  otherCores: number;
}

/** The processes' samples added up: CPU and RSS of a cluster of server processes as one server. */
function sampleAll(pids: readonly number[]): ProcSample {
  const all = pids.map(sample);
  return { at: performance.now(), cpuS: all.reduce((a, x) => a + x.cpuS, 0), rssBytes: all.reduce((a, x) => a + x.rssBytes, 0) };
}

/**
 * Samples a process (or several, added up: a cluster) every `everyMs` until stopped: CPU over the window,
 * RSS peak and last, and who else ran.
 */
export function monitor(pid: number | readonly number[], everyMs = 250) {
  const pids = typeof pid === 'number' ? [pid] : pid;
  const first = sampleAll(pids);
  const busy0 = machineBusyS();
  const own0 = ownCpuS();
  let last = first;
  let peakRss = first.rssBytes;
  const timer = setInterval(() => {
    try {
      last = sampleAll(pids);
      peakRss = Math.max(peakRss, last.rssBytes);
    } catch {
      // a process ended; keep the last sample
    }
  }, everyMs);
  return {
    stop(): WindowUse {
      clearInterval(timer);
      try {
        last = sampleAll(pids);
        peakRss = Math.max(peakRss, last.rssBytes);
      } catch {
        // keep the last sample
      }
      const wallS = (last.at - first.at) / 1000;
      const cpuS = last.cpuS - first.cpuS;
      const own = ownCpuS() - own0;
      const other = machineBusyS() - busy0 - cpuS - own;
      return { cpuS, wallS, cpuPct: wallS > 0 ? (cpuS / wallS) * 100 : NaN, peakRss, lastRss: last.rssBytes, loadgenCores: own / wallS, otherCores: Math.max(0, other / wallS) };
    },
  };
}

/**
 * Waits (at most `maxWaitMs`) for a second in which other processes use under `threshold` cores: the machine
 * is shared, and a test suite running beside the benchmark takes the cores the servers are measured on.
 * Resolves with the other processes' load in the last second sampled.
 */
export async function quietMoment(maxWaitMs: number, threshold = 0.25): Promise<number> {
  const end = performance.now() + maxWaitMs;
  for (;;) {
    const b0 = machineBusyS();
    const o0 = ownCpuS();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const other = (machineBusyS() - b0 - (ownCpuS() - o0)) / ((performance.now() - t0) / 1000);
    if (other < threshold || performance.now() >= end) return Math.max(0, other);
  }
}
