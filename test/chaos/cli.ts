import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { recordInBenchmarks } from './benchmarks-section.ts';
import { parseSeed } from './prng.ts';
import { chaosOptions, formatReport, runChaos } from './run.ts';

/**
 * `npm run test:chaos -- [--tills 10] [--browsers 3] [--minutes 10] [--kills 20] [--cluster 3] [--seed N] [--record]` (or CHAOS_SEED=N).
 * `--kills N` SIGKILLs the server exactly N times, spread over the run (default: every 20–60 s).
 * `--cluster N` runs N server processes on one (throwaway, embedded) PostgreSQL instead of one on the embedded
 * store; each fault slot SIGKILLs the process owning the event or stalls it past its lease (SIGSTOP, SIGCONT).
 * `--record` writes the figures into docs/benchmarks.md, between the chaos section's markers.
 * Prints the seed first, so a failure can be replayed, then the table of what happened and every check.
 * Exits 1 when an invariant fails.
 */
const { values } = parseArgs({
  options: {
    tills: { type: 'string', default: '10' },
    browsers: { type: 'string' },
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string' },
    kills: { type: 'string' },
    cluster: { type: 'string' },
    record: { type: 'boolean', default: false },
  },
});
const tills = Number(values.tills);
const minutes = Number(values.minutes);
const browsers = values.browsers === undefined ? Math.min(3, Math.max(1, Math.round(tills / 4))) : Number(values.browsers);
if (!Number.isInteger(tills) || tills < 1 || tills > 50) throw new Error(`--tills must be 1–50, got "${values.tills}"`);
if (!Number.isInteger(browsers) || browsers < 0 || browsers > tills) throw new Error(`--browsers must be 0–${tills}, got "${values.browsers}"`);
if (!(minutes > 0 && minutes <= 240)) throw new Error(`--minutes must be more than 0 and at most 240, got "${values.minutes}"`);
const kills = values.kills === undefined ? undefined : Number(values.kills);
if (kills !== undefined && (!Number.isInteger(kills) || kills < 1 || kills > 1000)) throw new Error(`--kills must be a whole number 1–1000, got "${values.kills}"`);
const cluster = values.cluster === undefined ? undefined : Number(values.cluster);
if (cluster !== undefined && (!Number.isInteger(cluster) || cluster < 2 || cluster > 5)) throw new Error(`--cluster must be a number of processes from 2 to 5, got "${values.cluster}"`);
const seed = parseSeed(values.seed ?? process.env['CHAOS_SEED']);
console.log(`chaos seed ${seed}`);
const report = await runChaos({ ...chaosOptions({ seed, tills, browsers, minutes, ...(kills !== undefined ? { kills } : {}), ...(cluster !== undefined ? { cluster } : {}) }), log: (l) => console.log(`[chaos] ${l}`) });
console.log(formatReport(report));
if (values.record) {
  await recordInBenchmarks(fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url)), report);
  console.log('figures written to docs/benchmarks.md (chaos section)');
}
process.exit(report.passed ? 0 : 1);
