import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as Y from 'yjs';
import { LevelStore } from '../sync-server/storage/level-store.ts';
import { MemoryStore } from '../sync-server/storage/memory-store.ts';
import { PgStore } from '../sync-server/storage/pg-store.ts';
import type { EventStore, Store } from '../sync-server/storage/store.ts';
import { startEmbeddedPg } from '../test/support/embedded-pg.ts';
import { putMarkedSection } from './doc-sections.ts';
import { machine } from './machine.ts';

/**
 * `npm run bench:store`: the three stores under the same two workloads, in one run, so the ratios compare
 * like with like on this machine at this moment. Not a test: it measures and writes the figures into
 * docs/benchmarks.md (the `store` section), with no targets of its own.
 *
 * - appends: TILLS writers, each appending its small Yjs updates one after another (awaiting each, as a
 *   till's updates are acknowledged) to its own document of one event. Concurrent appends are group-
 *   committed by every store, so this is the server's steady write path.
 * - commits: WRITERS concurrent order-like commits, each one transaction: an order record, its idempotency
 *   key expected absent, and one document update; no conflicts, so it times the conditional commit itself.
 *
 * PostgreSQL: POPUP_TEST_PG_URL (its role may create databases) or a throwaway embedded server; either way a
 * fresh database, dropped afterwards. fsync on everywhere: every figure is of durable writes.
 */
const TILLS = 20;
const APPENDS_PER_TILL = 100;
const WRITERS = 10;
const COMMITS_PER_WRITER = 50;
const EVENT = 'bench';

interface Figures {
  store: string;
  appendsPerSec: number;
  appendP99Ms: number;
  commitsPerSec: number;
  commitP99Ms: number;
}

async function open(es: Store): Promise<EventStore> {
  if (!es.leases) return es.event(EVENT);
  const held = await es.leases.acquire(EVENT, 'bench', 'http://127.0.0.1:1', 600_000);
  return es.event(EVENT, { epoch: held.epoch });
}

function updates(n: number, tag: string): Uint8Array[] {
  const d = new Y.Doc();
  const out: Uint8Array[] = [];
  d.on('update', (u: Uint8Array) => out.push(u));
  for (let i = 0; i < n; i++) d.getMap('sales').set(`${tag}-${i}`, { total: 1200 + i, lines: 2 });
  return out;
}

async function measure(name: string, store: Store): Promise<Figures> {
  const es = await open(store);
  const perTill = Array.from({ length: TILLS }, (_, t) => updates(APPENDS_PER_TILL, `t${t}`));
  const appendLat: number[] = [];
  let t0 = performance.now();
  await Promise.all(
    perTill.map(async (list, t) => {
      const doc = `event/${EVENT}/till/t${t}`;
      await es.loadDoc(doc);
      for (const u of list) {
        const s = performance.now();
        await es.appendUpdate(doc, u);
        appendLat.push(performance.now() - s);
      }
    }),
  );
  const appendSecs = (performance.now() - t0) / 1000;

  const sale = updates(WRITERS * COMMITS_PER_WRITER, 'order');
  const commitLat: number[] = [];
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; i < COMMITS_PER_WRITER; i++) {
        const id = `w${w}-${i}`;
        const s = performance.now();
        await es.commit({
          put: [
            { ns: 'orders', key: id, value: { id, total: 2400, lines: [{ sku: 'HERO-M', qty: 1 }] } },
            { ns: 'idem', key: id, value: id },
          ],
          expect: [{ ns: 'idem', key: id, equals: undefined }],
          updates: [{ doc: `event/${EVENT}/brand/b1`, update: sale[w * COMMITS_PER_WRITER + i]! }],
        });
        commitLat.push(performance.now() - s);
      }
    }),
  );
  const commitSecs = (performance.now() - t0) / 1000;
  return {
    store: name,
    appendsPerSec: (TILLS * APPENDS_PER_TILL) / appendSecs,
    appendP99Ms: p99(appendLat),
    commitsPerSec: (WRITERS * COMMITS_PER_WRITER) / commitSecs,
    commitP99Ms: p99(commitLat),
  };
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0;
}

async function withPg<T>(run: (url: string) => Promise<T>): Promise<{ result: T; server: string }> {
  const given = process.env.POPUP_TEST_PG_URL;
  const embedded = given ? undefined : await startEmbeddedPg();
  const base = given ?? embedded!.url;
  const name = `popup_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string): Promise<string> => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(sql);
      return String((await c.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v);
    } finally {
      await c.end();
    }
  };
  try {
    const version = await admin(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    try {
      return { result: await run(url.toString()), server: `${version.split(' on ')[0]}${embedded ? ' (embedded, loopback)' : ''}` };
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await embedded?.stop();
  }
}

async function main(): Promise<void> {
  // The machine's load when the run starts: PostgreSQL's server processes compete for the same cores, so its
  // figures fall furthest on a busy machine.
  const load = loadavg()[0]!.toFixed(1);
  const figures: Figures[] = [];
  const memory = new MemoryStore();
  figures.push(await measure('memory', memory));
  await memory.close();

  const dir = await mkdtemp(join(tmpdir(), 'popup-bench-level-'));
  try {
    const level = await LevelStore.open(dir);
    figures.push(await measure('LevelDB', level));
    await level.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const { server } = await withPg(async (url) => {
    const store = await PgStore.open(url);
    figures.push(await measure('PostgreSQL', store));
    await store.close();
  });

  const level = figures.find((f) => f.store === 'LevelDB')!;
  const rows = figures.map(
    (f) =>
      `| ${f.store} | ${Math.round(f.appendsPerSec)} | ${f.appendP99Ms.toFixed(1)} | ${Math.round(f.commitsPerSec)} | ${f.commitP99Ms.toFixed(1)} | ` +
      `${(f.appendsPerSec / level.appendsPerSec).toFixed(2)}× / ${(f.commitsPerSec / level.commitsPerSec).toFixed(2)}× |`,
  );
  const m = machine();
  const table = [
    '| store | appends/s | append p99 ms | commits/s | commit p99 ms | vs LevelDB (appends / commits) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  console.log(table);

  const body = `## Stores: memory, LevelDB and PostgreSQL under the same writes

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:store\` (bench/pg-store.bench.ts) on ${m.cpu}, ${m.cores} cores (load average ${load} at the start), Node ${m.node}; PostgreSQL: ${server}.
Every write durable (LevelDB batches with \`sync: true\`, PostgreSQL commits with \`synchronous_commit\` on, fsync on).

- **appends**: ${TILLS} tills, each appending ${APPENDS_PER_TILL} small Yjs updates one after another to its own document of one event (group-committed by every store).
- **commits**: ${WRITERS} concurrent writers × ${COMMITS_PER_WRITER} order-like commits: an order record, its idempotency key expected absent, one document update, in one transaction.

${table}

No targets of its own: these figures say what one event's writes cost on each store. PostgreSQL pays a
round trip per statement (about six per conditional commit: begin, fence and locks, the condition, the
writes, commit) and a WAL flush per transaction, and its server processes share the cores with the bench;
group commit of appends recovers part of it. A commit's conditions lock only the records they name, so
commits on different records overlap. The cluster's own figures (propagation, orders, failover) belong to
the cluster benchmark.`;
  const docPath = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  await writeFile(docPath, putMarkedSection(await readFile(docPath, 'utf8'), 'store', body));
  console.log(`written to ${docPath} (store section)`);
}

await main();
