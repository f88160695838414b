import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { parseHlc } from '../../core/base/hlc.ts';
import { describeLost } from './high-water.ts';
import { CLOCK_RECORD, laterHlc } from '../event-clock.ts';
import { LevelStore } from './level-store.ts';
import { openStore, redact } from './open-store.ts';
import type { EventStore, LeaseHolder, RecordKey, Store } from './store.ts';

/**
 * Moving an event (docs/operations.md, "Moving an event to PostgreSQL"): copies every event of one store
 * (the embedded LevelDB store of a laptop at the venue) into another (PostgreSQL), and proves the copy by
 * loading each document from both stores and comparing state vectors, delete sets and content, and each
 * namespace's records, key by key.
 *
 * Rules (decided here, documented in operations.md):
 * - **Plan, then write.** Every event and the server-wide records are compared first. An event the target
 *   does not hold is copied; one it holds identically is left as it is ("already there", so a second run is
 *   a verified no-op); one it holds differently refuses the whole run with `EventDiffersError` before
 *   anything is written, unless `force`, which replaces the target's copy with the source's.
 * - **One event, one transaction.** An event's records and documents go in one commit: each document as one
 *   update holding its whole state (Yjs merges snapshot and updates into it; state vector and content are
 *   the same). A run killed part-way leaves each event either wholly copied or absent, so re-running is
 *   always safe. (A forced replace first deletes the target's documents: see `replaceEvent`.)
 * - **The lease.** On a store with leases the run takes each event's lease first, so no server process of
 *   the cluster writes to an event while it is compared and copied; an event a live process holds is refused
 *   (`EventServedError`): stop that process or wait for its lease to run out.
 * - **Server-wide records** (tokens, pairing codes, tracking links: what lets the event's tills and shop go
 *   on working on the new server) are copied when absent and checked when present, with a compare-and-set
 *   on what was read. Two are one server's own and are merged, not compared: `meta/hlc` (the old server-wide
 *   clock: the later of the two, so no timestamp is issued twice; each copied event also carries the source's
 *   reading as its own clock's floor, event-clock.ts) and `server-secrets` (the target keeps its own).
 *   Any other record that differs refuses the run, like an event, unless `force`.
 */

/** The target holds an event, or server-wide records, that differ from the source's: nothing was written. */
export class EventDiffersError extends Error {
  override readonly name = 'EventDiffersError';
  constructor(readonly differences: { eventId: string | undefined; what: string }[]) {
    super(
      `the target already holds ${differences.map((d) => (d.eventId === undefined ? `server-wide records that differ (${d.what})` : `event ${d.eventId}, and it differs (${d.what})`)).join('; ')}. ` +
        'Nothing was written. Re-run with --force to replace the target\'s copy with this store\'s (whatever the target changed since is lost).',
    );
  }
}

/** A live server process holds the event's lease in the target: copying under it would race its writes. */
export class EventServedError extends Error {
  override readonly name = 'EventServedError';
  constructor(
    readonly eventId: string,
    readonly holder: LeaseHolder,
  ) {
    super(`event ${eventId} is being served from the target by ${holder.owner} (${holder.url}) until ${new Date(holder.expiresAt).toISOString()}: stop that process, or wait for its lease to run out, then move the event`);
  }
}

/** A source document that does not load whole: copying it would carry the damage over unnoticed. */
export class SourceDamagedError extends Error {
  override readonly name = 'SourceDamagedError';
  constructor(
    readonly doc: string,
    readonly what: string,
  ) {
    super(`${doc === 'store' ? 'the source store' : `document ${doc} in the source`} is damaged (${what}): repair it (docs/operations.md, "Damage and recovery") before moving the event`);
  }
}

/** What was written does not read back as the source: the target is left as written, for inspection. */
export class MigrationVerifyError extends Error {
  override readonly name = 'MigrationVerifyError';
  constructor(
    readonly eventId: string | undefined,
    readonly what: string,
  ) {
    super(`${eventId === undefined ? 'server-wide records' : `event ${eventId}`}: the copy does not read back as the source (${what})`);
  }
}

/** The data folder cannot be moved: missing, or a server still runs on it. */
export class MigrationSourceError extends Error {
  override readonly name = 'MigrationSourceError';
}

export interface MigrateOptions {
  /** Replace what the target holds differently (see the module comment). */
  force?: boolean;
  /** The run's lease owner; unique per run (a reused owner would inherit another's epoch: pg-leases.ts). */
  owner?: string;
  /** How long each event's lease is taken for, renewed before each event's writes (default 60 s). */
  leaseTtlMs?: number;
}

export interface EventOutcome {
  eventId: string;
  action: 'copied' | 'already there' | 'replaced';
  docs: number;
  /** Records per namespace, as verified in both stores. */
  records: Record<string, number>;
}

export interface ServerOutcome {
  copied: number;
  alreadyThere: number;
  /** `ns/key` of records merged by rule (meta/hlc, server-secrets) or replaced by `force`. */
  merged: string[];
  replaced: string[];
}

export interface MigrationReport {
  events: EventOutcome[];
  server: ServerOutcome;
}

/** An event as read from one store: its documents loaded, its records as JSON text. */
interface EventImage {
  docs: Map<string, Y.Doc>;
  records: Map<string, Map<string, string>>;
}

const SERVER_SECRETS = 'server-secrets';
const DEFAULT_TTL_MS = 60_000;

export async function migrateStore(source: Store, target: Store, opts: MigrateOptions = {}): Promise<MigrationReport> {
  const owner = opts.owner ?? `migrate-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const ttl = opts.leaseTtlMs ?? DEFAULT_TTL_MS;
  const eventIds = await source.eventIds();
  const held = new Map<string, number>();
  const images: EventImage[] = [];
  try {
    // Leases first, for every event: the comparison below must not be overtaken by a server's write.
    const handles = new Map<string, EventStore>();
    for (const eventId of eventIds) handles.set(eventId, await targetEvent(target, eventId, owner, ttl, held));

    const plans: { eventId: string; src: EventImage; dst: EventImage; difference: string | undefined }[] = [];
    // A source written before per-event clocks keeps its clock server-wide: each event takes it along.
    const clockFloor = await source.server().get<unknown>(CLOCK_RECORD.ns, CLOCK_RECORD.key);
    for (const eventId of eventIds) {
      const src = await readEvent(source.event(eventId), true);
      withClockFloor(src, clockFloor);
      const dst = await readEvent(handles.get(eventId)!, false);
      images.push(src, dst);
      plans.push({ eventId, src, dst, difference: isEmpty(dst) ? undefined : difference(src, dst, 'in the data folder', 'in PostgreSQL') });
    }
    const server = await planServer(source, target);
    const differing = [
      ...plans.filter((p) => p.difference !== undefined).map((p) => ({ eventId: p.eventId, what: p.difference! })),
      ...(server.conflicts.length ? [{ eventId: undefined, what: server.conflicts.slice(0, 3).join(', ') + (server.conflicts.length > 3 ? `, and ${server.conflicts.length - 3} more` : '') }] : []),
    ];
    if (differing.length && !opts.force) throw new EventDiffersError(differing);

    // Server-wide records before the events: a till whose event is there must find its token there too.
    await target.server().commit(server.commit);
    const events: EventOutcome[] = [];
    for (const p of plans) {
      const handle = handles.get(p.eventId)!;
      let action: EventOutcome['action'] = 'already there';
      if (isEmpty(p.dst)) {
        await renew(target, p.eventId, owner, ttl, held);
        await handle.commit({ put: recordPuts(p.src), updates: docUpdates(p.src) });
        action = 'copied';
      } else if (p.difference !== undefined) {
        await renew(target, p.eventId, owner, ttl, held);
        await replaceEvent(handle, p.src, p.dst);
        action = 'replaced';
      }
      if (action !== 'already there') {
        const back = await readEvent(handle, false);
        images.push(back);
        const wrong = difference(p.src, back, 'in the source', 'as written');
        if (wrong !== undefined) throw new MigrationVerifyError(p.eventId, wrong);
      }
      events.push({ eventId: p.eventId, action, docs: p.src.docs.size, records: Object.fromEntries([...p.src.records].map(([ns, m]) => [ns, m.size])) });
    }
    await verifyServer(target, server.expected);
    return { events, server: server.outcome };
  } finally {
    for (const img of images) for (const d of img.docs.values()) d.destroy();
    for (const [eventId, epoch] of held) await target.leases?.release(eventId, owner, epoch).catch(() => undefined);
  }
}

/** The target's handle of an event: under this run's lease when the target has leases. */
async function targetEvent(target: Store, eventId: string, owner: string, ttl: number, held: Map<string, number>): Promise<EventStore> {
  if (!target.leases) return target.event(eventId);
  // Not an http URL: a cluster process that finds this lease and forwards to it fails at once, by name.
  const got = await target.leases.acquire(eventId, owner, `migration://${hostname()}`, ttl);
  if (got.owner !== owner) throw new EventServedError(eventId, got);
  held.set(eventId, got.epoch);
  return target.event(eventId, { epoch: got.epoch });
}

async function renew(target: Store, eventId: string, owner: string, ttl: number, held: Map<string, number>): Promise<void> {
  const epoch = held.get(eventId);
  if (target.leases && epoch !== undefined && !(await target.leases.renew(eventId, owner, epoch, ttl))) {
    // The write below would fail with LeaseLostError anyway; say why in words first.
    throw new Error(`event ${eventId}: the migration's lease ran out and another process took the event; nothing more of it was written. Re-run the migration`);
  }
}

/** Loads every document (each checked whole when it is the source) and every record of an event. */
async function readEvent(es: EventStore, isSource: boolean): Promise<EventImage> {
  const docs = new Map<string, Y.Doc>();
  for (const name of await es.docNames()) {
    const stored = await es.loadDoc(name);
    const doc = new Y.Doc();
    docs.set(name, doc);
    try {
      if (stored.snapshot) Y.applyUpdateV2(doc, stored.snapshot);
      for (const u of stored.updates) Y.applyUpdate(doc, u);
    } catch (err) {
      if (isSource) throw new SourceDamagedError(name, `it does not decode: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    if (isSource && (doc.store.pendingStructs || doc.store.pendingDs)) throw new SourceDamagedError(name, 'stored updates depend on content that is no longer stored');
  }
  const records = new Map<string, Map<string, string>>();
  for (const ns of await es.namespaces()) records.set(ns, new Map((await es.list(ns)).map(([k, v]) => [k, JSON.stringify(v)])));
  return { docs, records };
}

/**
 * The event's clock record as the target must hold it (event-clock.ts): the later of its own and the
 * source's server-wide one. A target's processes read their own server-wide record once, as a floor, so the
 * source's floor must travel inside each event it applies to, or a clock that ran ahead of wall time on the
 * laptop could issue a timestamp again in the cluster. Applied to the source's image, so the copy, its
 * verification and a re-run's comparison all see the same records.
 */
function withClockFloor(img: EventImage, floor: unknown): void {
  const own = img.records.get(CLOCK_RECORD.ns)?.get(CLOCK_RECORD.key);
  const later = laterHlc(own === undefined ? undefined : JSON.parse(own), floor);
  if (later === undefined) return;
  let ns = img.records.get(CLOCK_RECORD.ns);
  if (!ns) img.records.set(CLOCK_RECORD.ns, (ns = new Map()));
  ns.set(CLOCK_RECORD.key, JSON.stringify(later));
}

function isEmpty(img: EventImage): boolean {
  return img.docs.size === 0 && [...img.records.values()].every((m) => m.size === 0);
}

/**
 * The first difference between two images of an event, in words, or undefined when they hold the same.
 * Documents: equal state vectors and equal delete sets mean the same content (an id names one insert, in
 * every replica); the content of every top-level map is compared as well, as a reader would see it.
 */
function difference(a: EventImage, b: EventImage, aName: string, bName: string): string | undefined {
  for (const name of a.docs.keys()) if (!b.docs.has(name)) return `document ${name} is ${aName} only`;
  for (const name of b.docs.keys()) if (!a.docs.has(name)) return `document ${name} is ${bName} only`;
  for (const [name, da] of a.docs) {
    const db = b.docs.get(name)!;
    if (!sameBytes(Y.encodeStateVector(da), Y.encodeStateVector(db))) return `document ${name}: the state vectors differ`;
    if (!sameBytes(deleteSetOf(da), deleteSetOf(db))) return `document ${name}: the deletions differ`;
    if (contentOf(da) !== contentOf(db)) return `document ${name}: the content differs`;
  }
  const namespaces = new Set([...a.records.keys(), ...b.records.keys()]);
  for (const ns of [...namespaces].sort()) {
    const ra = a.records.get(ns) ?? new Map<string, string>();
    const rb = b.records.get(ns) ?? new Map<string, string>();
    if (ra.size !== rb.size) return `records "${ns}": ${ra.size} ${aName}, ${rb.size} ${bName}`;
    for (const [key, value] of ra) {
      if (!rb.has(key)) return `record ${ns}/${key} is ${aName} only`;
      if (rb.get(key) !== value) return `record ${ns}/${key} differs`;
    }
  }
  return undefined;
}

/** The document's delete set alone: an update with every struct the state vector covers left out. */
function deleteSetOf(doc: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc));
}

/** Every top-level type is a Y.Map (core/event/schema.ts): its entries with sorted keys, as JSON. */
function contentOf(doc: Y.Doc): string {
  const out: Record<string, unknown> = {};
  for (const name of [...doc.share.keys()].sort()) {
    const map = doc.getMap(name).toJSON() as Record<string, unknown>;
    out[name] = Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]]));
  }
  return JSON.stringify(out);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function recordPuts(img: EventImage): { ns: string; key: string; value: unknown }[] {
  return [...img.records].flatMap(([ns, m]) => [...m].map(([key, json]) => ({ ns, key, value: JSON.parse(json) as unknown })));
}

/** Each document as one update of its whole state (v1, as appended updates are). */
function docUpdates(img: EventImage): { doc: string; update: Uint8Array }[] {
  return [...img.docs].map(([doc, d]) => ({ doc, update: Y.encodeStateAsUpdate(d) }));
}

/**
 * `force` on an event the target holds differently: the target's documents are deleted (one transaction
 * each: the store has no multi-document delete), then its records and the source's documents are written in
 * one commit. A run that fails between the two leaves the event short of documents, which the next run
 * finds different and, with --force again, replaces.
 */
async function replaceEvent(handle: EventStore, src: EventImage, dst: EventImage): Promise<void> {
  for (const name of dst.docs.keys()) await handle.deleteDoc(name);
  // Deletes run after puts in a commit: delete only what the source does not hold.
  const del: RecordKey[] = [...dst.records].flatMap(([ns, m]) => [...m.keys()].filter((key) => !src.records.get(ns)?.has(key)).map((key) => ({ ns, key })));
  await handle.commit({ put: recordPuts(src), del, updates: docUpdates(src) });
}

interface ServerPlan {
  commit: { put: { ns: string; key: string; value: unknown }[]; expect: { ns: string; key: string; equals: unknown }[] };
  /** Every source record as the target must hold it after the commit (JSON text). */
  expected: Map<string, { ns: string; key: string; json: string }>;
  conflicts: string[];
  outcome: ServerOutcome;
}

async function planServer(source: Store, target: Store): Promise<ServerPlan> {
  const plan: ServerPlan = { commit: { put: [], expect: [] }, expected: new Map(), conflicts: [], outcome: { copied: 0, alreadyThere: 0, merged: [], replaced: [] } };
  const src = source.server();
  const dst = target.server();
  for (const ns of await src.namespaces()) {
    const there = new Map((await dst.list(ns)).map(([k, v]) => [k, JSON.stringify(v)]));
    for (const [key, value] of await src.list(ns)) {
      const json = JSON.stringify(value);
      const now = there.get(key);
      let want = json;
      if (now === undefined) plan.outcome.copied++;
      else if (now === json) plan.outcome.alreadyThere++;
      else {
        const merged = mergeServerRecord(ns, key, json, now);
        if (merged !== undefined) {
          want = merged;
          if (merged === now) plan.outcome.alreadyThere++;
          else plan.outcome.merged.push(`${ns}/${key}`);
        } else {
          plan.conflicts.push(`${ns}/${key}`);
          plan.outcome.replaced.push(`${ns}/${key}`);
        }
      }
      plan.expected.set(`${ns}\u0000${key}`, { ns, key, json: want });
      if (want !== now) {
        plan.commit.put.push({ ns, key, value: JSON.parse(want) as unknown });
        // Compare-and-set on what was read: a record the target changed meanwhile fails the commit.
        plan.commit.expect.push({ ns, key, equals: now === undefined ? undefined : (JSON.parse(now) as unknown) });
      }
    }
  }
  return plan;
}

/** The merged value of a server's own record that differs on both sides, or undefined when it is a conflict. */
function mergeServerRecord(ns: string, key: string, srcJson: string, dstJson: string): string | undefined {
  if (ns === SERVER_SECRETS) return dstJson;
  if (ns === 'meta' && key === 'hlc') {
    const a = JSON.parse(srcJson) as unknown;
    const b = JSON.parse(dstJson) as unknown;
    if (typeof a !== 'string' || typeof b !== 'string') return undefined;
    let ta: ReturnType<typeof parseHlc>;
    let tb: ReturnType<typeof parseHlc>;
    try {
      ta = parseHlc(a);
      tb = parseHlc(b);
    } catch {
      return undefined; // not a clock reading: a conflict like any other record
    }
    return ta.wall > tb.wall || (ta.wall === tb.wall && ta.counter > tb.counter) ? srcJson : dstJson;
  }
  return undefined;
}

async function verifyServer(target: Store, expected: ServerPlan['expected']): Promise<void> {
  for (const { ns, key, json } of expected.values()) {
    const back = await target.server().get(ns, key);
    if (JSON.stringify(back) !== json) throw new MigrationVerifyError(undefined, `record ${ns}/${key} ${back === undefined ? 'is missing' : 'differs'}`);
  }
}

/** The lines the command prints: what was moved where, never the target's password. */
export function describeMigration(report: MigrationReport, from: string, to: string): string[] {
  const lines = [`Moved the events of ${from} to ${redact(to)}:`];
  if (!report.events.length) lines.push('  no events in the source');
  for (const e of report.events) {
    const records = Object.entries(e.records).map(([ns, n]) => `${ns} ${n}`).join(', ') || 'none';
    lines.push(`  ${e.eventId}: ${e.action}, verified — ${e.docs} document${e.docs === 1 ? '' : 's'} (state vectors and content match), records: ${records}`);
  }
  const s = report.server;
  lines.push(
    `  server-wide records: ${s.copied} copied, ${s.alreadyThere} already there` +
      (s.merged.length ? `, merged ${s.merged.join(', ')}` : '') +
      (s.replaced.length ? `, replaced (--force) ${s.replaced.join(', ')}` : ''),
  );
  return lines;
}

/**
 * `npm run serve -- --data ./data --migrate-to postgres://…`: opens both stores, moves, prints the summary.
 * The data folder must hold a store and no server may be running on it (LevelDB's lock says so).
 */
export async function migrateDataDir(dataDir: string, url: string, opts: MigrateOptions & { log: (line: string) => void }): Promise<MigrationReport> {
  // The server keeps its LevelDB in <data>/store (server.ts), beside the admin token and the web files.
  const storeDir = join(dataDir, 'store');
  if (!existsSync(join(storeDir, 'CURRENT'))) throw new MigrationSourceError(`${dataDir} holds no store (no LevelDB in ${storeDir}): give the data folder the server ran with (--data)`);
  let source: LevelStore;
  try {
    source = await LevelStore.open(storeDir);
  } catch (err) {
    const locked = err instanceof Error && (err.cause as { code?: string } | undefined)?.code === 'LEVEL_LOCKED';
    throw new MigrationSourceError(
      locked ? `${dataDir} is in use by a running server: stop it first, so that nothing is written while its events are copied` : `${dataDir} cannot be opened: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  try {
    // Acknowledged writes the store no longer holds (high-water.ts): the copy would carry the loss over as if
    // the event were whole. Repair first, as the server itself refuses to serve it.
    const lost = source.lostOnOpen ? describeLost(source.lostOnOpen) : [];
    if (lost.length) throw new SourceDamagedError(lost[0]!.doc, lost.map((l) => `${l.doc}: ${l.what}`).join('; '));
    opts.log(`Moving the events of ${dataDir} to ${redact(url)}${opts.force ? ' (--force: what differs there is replaced)' : ''}…`);
    const target = await openStore({ url });
    try {
      const report = await migrateStore(source, target, opts);
      for (const line of describeMigration(report, dataDir, url)) opts.log(line);
      return report;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** The command's whole run: the summary on stdout, or why it was refused on stderr; the exit code. */
export async function migrateCommand(dataDir: string, url: string, force: boolean): Promise<number> {
  try {
    await migrateDataDir(dataDir, url, { force, log: (line) => console.log(line) });
    return 0;
  } catch (err) {
    console.error(`Not moved: ${hidePassword(err instanceof Error ? err.message : String(err), url)}`);
    return 1;
  }
}

/** No message of ours or pg's repeats the password; this makes sure of it for any that would. */
export function hidePassword(text: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text.split(url).join(redact(url));
  }
  return password ? text.split(password).join('***') : text;
}
