import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ConditionFailedError, DocumentOutsideEventError, type EventStore, type Store } from './store.ts';

/**
 * The storage contract (store.ts), one suite for every implementation: memory-store.test.ts,
 * level-store.test.ts and the PostgreSQL store's test each call `storeContract` with a way to open a fresh,
 * empty store. `reopen` (when the store is durable) closes nothing itself: the suite closes the store first
 * and then calls it to get a new one on the same data. `cleanup` removes everything the opener made.
 *
 * Nothing here knows an implementation: a store with leases gets its event handles through a lease taken by
 * the suite (`handle` below), one without gets them plain.
 */
export interface OpenedStore {
  store: Store;
  reopen?: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

const E1 = 'contract-e1';
const E2 = 'contract-e2';
const doc1 = (eventId: string, brand = 'b1'): string => `event/${eventId}/brand/${brand}`;

/** An event handle, under a lease when the store has leases (the PostgreSQL store refuses writes without one). */
export async function handle(store: Store, eventId: string): Promise<EventStore> {
  if (!store.leases) return store.event(eventId);
  const held = await store.leases.acquire(eventId, 'store-contract', 'http://127.0.0.1:1', 60_000);
  return store.event(eventId, { epoch: held.epoch });
}

/** A document's content after loading what is stored: the keys of its `sales` map. */
function salesOf(stored: { snapshot: Uint8Array | undefined; updates: Uint8Array[] }): string[] {
  const d = new Y.Doc();
  if (stored.snapshot) Y.applyUpdateV2(d, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(d, u);
  const keys = [...d.getMap('sales').keys()].sort();
  d.destroy();
  return keys;
}

/** A Yjs document whose every update is appended to `es` (as the server's document hub does). */
function writer(es: EventStore, name: string, doc = new Y.Doc()): { doc: Y.Doc; writes: Promise<void>[]; stop: () => void } {
  const writes: Promise<void>[] = [];
  const append = (u: Uint8Array): number => writes.push(es.appendUpdate(name, u));
  doc.on('update', append);
  return { doc, writes, stop: () => doc.off('update', append) };
}

export function storeContract(name: string, open: () => Promise<OpenedStore>, opts: { durable?: boolean } = { durable: true }): void {
  describe(`store contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    let closed = false;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      closed = false;
    });
    afterEach(async () => {
      if (!closed) await store.close();
      await opened.cleanup();
    });

    /** Closes the store and opens it again on the same data (only for durable stores). */
    async function reopen(): Promise<Store> {
      await store.close();
      closed = true;
      store = await opened.reopen!();
      closed = false;
      return store;
    }

    describe('documents', () => {
      it('loads what was appended, in order, and nothing for a document never written', async () => {
        const es = await handle(store, E1);
        expect(await es.loadDoc(doc1(E1))).toEqual({ snapshot: undefined, updates: [] });
        const { doc, writes } = writer(es, doc1(E1));
        for (let i = 0; i < 5; i++) doc.getMap('sales').set(`s${i}`, i);
        await Promise.all(writes);
        const stored = await es.loadDoc(doc1(E1));
        expect(stored.snapshot).toBeUndefined();
        expect(stored.updates).toHaveLength(5);
        expect(salesOf(stored)).toEqual(['s0', 's1', 's2', 's3', 's4']);
        expect(es.updateCount(doc1(E1))).toBe(5);
      });

      it('compaction stores the snapshot and keeps the updates appended after its mark', async () => {
        const es = await handle(store, E1);
        await es.loadDoc(doc1(E1));
        const { doc, writes } = writer(es, doc1(E1));
        for (let i = 0; i < 4; i++) doc.getMap('sales').set(`before-${i}`, i);
        await Promise.all(writes);
        // Mark and snapshot in one synchronous step; then more appends, durable before compaction runs.
        const mark = es.compactionMark(doc1(E1));
        const snapshot = Y.encodeStateAsUpdateV2(doc);
        for (let i = 0; i < 3; i++) doc.getMap('sales').set(`after-${i}`, i);
        await Promise.all(writes);
        await es.compact(doc1(E1), snapshot, mark);
        expect(es.updateCount(doc1(E1))).toBe(3);
        const stored = await es.loadDoc(doc1(E1));
        expect(stored.snapshot).toBeDefined();
        expect(stored.updates).toHaveLength(3);
        expect(salesOf(stored)).toEqual([...doc.getMap('sales').keys()].sort());
      });

      it('a compaction mark taken while an append is still in flight is above that append', async () => {
        const es = await handle(store, E1);
        await es.loadDoc(doc1(E1));
        const { doc, writes } = writer(es, doc1(E1));
        doc.getMap('sales').set('in-flight', 1);
        // Not awaited: the snapshot below holds the update, so the mark must cover it.
        const mark = es.compactionMark(doc1(E1));
        const snapshot = Y.encodeStateAsUpdateV2(doc);
        await Promise.all(writes);
        await es.compact(doc1(E1), snapshot, mark);
        const stored = await es.loadDoc(doc1(E1));
        expect(stored.updates).toHaveLength(0);
        expect(salesOf(stored)).toEqual(['in-flight']);
      });

      it('deleteDoc removes the snapshot and the updates; later appends start a fresh document', async () => {
        const es = await handle(store, E1);
        await es.loadDoc(doc1(E1));
        const { doc, writes } = writer(es, doc1(E1));
        doc.getMap('sales').set('a', 1);
        await Promise.all(writes);
        await es.compact(doc1(E1), Y.encodeStateAsUpdateV2(doc), es.compactionMark(doc1(E1)));
        doc.getMap('sales').set('b', 1);
        await Promise.all(writes);
        await es.deleteDoc(doc1(E1));
        expect(await es.loadDoc(doc1(E1))).toEqual({ snapshot: undefined, updates: [] });
        expect(await es.docNames()).toEqual([]);
        const fresh = new Y.Doc();
        fresh.getMap('sales').set('c', 1);
        await es.appendUpdate(doc1(E1), Y.encodeStateAsUpdate(fresh));
        expect(salesOf(await es.loadDoc(doc1(E1)))).toEqual(['c']);
      });

      it('names the documents of its own event only, and keeps events’ updates apart', async () => {
        const a = await handle(store, E1);
        const b = await handle(store, E2);
        const one = new Y.Doc();
        one.getMap('sales').set('of-e1', 1);
        const two = new Y.Doc();
        two.getMap('sales').set('of-e2', 1);
        await a.appendUpdate(doc1(E1), Y.encodeStateAsUpdate(one));
        await a.appendUpdate(`event/${E1}/setup`, Y.encodeStateAsUpdate(one));
        await b.appendUpdate(doc1(E2), Y.encodeStateAsUpdate(two));
        expect((await a.docNames()).sort()).toEqual([doc1(E1), `event/${E1}/setup`].sort());
        expect(await b.docNames()).toEqual([doc1(E2)]);
        expect(salesOf(await a.loadDoc(doc1(E1)))).toEqual(['of-e1']);
        expect(salesOf(await b.loadDoc(doc1(E2)))).toEqual(['of-e2']);
        expect((await store.eventIds()).filter((id) => id === E1 || id === E2).sort()).toEqual([E1, E2]);
      });

      it('refuses a document of another event, writing nothing', async () => {
        const a = await handle(store, E1);
        const u = Y.encodeStateAsUpdate(new Y.Doc());
        await expect(a.appendUpdate(doc1(E2), u)).rejects.toBeInstanceOf(DocumentOutsideEventError);
        // A prefix of the event id is not the event: `contract-e1` must not reach `contract-e10`.
        await expect(a.appendUpdate(`event/${E1}0/setup`, u)).rejects.toBeInstanceOf(DocumentOutsideEventError);
        await expect(a.commit({ updates: [{ doc: doc1(E2), update: u }], put: [{ ns: 'n', key: 'k', value: 1 }] })).rejects.toBeInstanceOf(DocumentOutsideEventError);
        expect(await a.get('n', 'k')).toBeUndefined();
        expect(await (await handle(store, E2)).docNames()).toEqual([]);
      });
    });

    describe('records', () => {
      it('get, put, del, and list by prefix in key order', async () => {
        const es = await handle(store, E1);
        expect(await es.get('orders', 'x')).toBeUndefined();
        for (const k of ['b!2', 'a!1', 'b!1', 'c', 'a!2', 'b!10']) await es.put('orders', k, { k });
        await es.put('other', 'a!1', 'elsewhere');
        expect((await es.list('orders')).map(([k]) => k)).toEqual(['a!1', 'a!2', 'b!1', 'b!10', 'b!2', 'c']);
        expect(await es.list('orders', 'b!')).toEqual([
          ['b!1', { k: 'b!1' }],
          ['b!10', { k: 'b!10' }],
          ['b!2', { k: 'b!2' }],
        ]);
        expect(await es.list('orders', 'zz')).toEqual([]);
        await es.del('orders', 'b!1');
        await es.del('orders', 'never-there');
        expect(await es.get('orders', 'b!1')).toBeUndefined();
        expect((await es.list('orders', 'b')).map(([k]) => k)).toEqual(['b!10', 'b!2']);
        expect((await es.namespaces()).sort()).toEqual(['orders', 'other']);
      });

      it('keeps events apart from each other and from the server-wide space', async () => {
        const a = await handle(store, E1);
        const b = await handle(store, E2);
        await a.put('tally', 'k', 1);
        await b.put('tally', 'k', 2);
        await store.server().put('tally', 'k', 3);
        expect(await a.get('tally', 'k')).toBe(1);
        expect(await b.get('tally', 'k')).toBe(2);
        expect(await store.server().get('tally', 'k')).toBe(3);
        expect(await a.list('tally')).toEqual([['k', 1]]);
        await a.del('tally', 'k');
        expect(await b.get('tally', 'k')).toBe(2);
        expect(await store.server().list('tally')).toEqual([['k', 3]]);
        expect(await a.namespaces()).toEqual([]);
      });

      it('stores JSON copies: changing an object after put or after get changes nothing stored', async () => {
        const es = await handle(store, E1);
        const value = { n: 1, list: [1, 2] };
        await es.put('ns', 'k', value);
        value.n = 99;
        value.list.push(3);
        const got = await es.get<{ n: number; list: number[] }>('ns', 'k');
        expect(got).toEqual({ n: 1, list: [1, 2] });
        got!.n = 42;
        expect(await es.get('ns', 'k')).toEqual({ n: 1, list: [1, 2] });
        // What JSON cannot hold is not kept either: a Date comes back as its JSON text, undefined fields vanish.
        await es.put('ns', 'd', { at: new Date(0), gone: undefined });
        expect(await es.get('ns', 'd')).toEqual({ at: '1970-01-01T00:00:00.000Z' });
        // Update bytes too: changing the caller's array after the append changes nothing stored.
        const u = Y.encodeStateAsUpdate(((d) => (d.getMap('sales').set('x', 1), d))(new Y.Doc()));
        await es.appendUpdate(doc1(E1), u);
        u.fill(0);
        expect(salesOf(await es.loadDoc(doc1(E1)))).toEqual(['x']);
      });
    });

    describe('commit', () => {
      it('applies puts, deletes and document updates together', async () => {
        const es = await handle(store, E1);
        await es.put('idem', 'old', 1);
        const sale = new Y.Doc();
        sale.getMap('sales').set('order-1', 1);
        await es.commit({
          put: [
            { ns: 'orders', key: 'o1', value: { total: 1200 } },
            { ns: 'counter', key: 'receipt', value: 1 },
          ],
          del: [{ ns: 'idem', key: 'old' }],
          updates: [{ doc: doc1(E1), update: Y.encodeStateAsUpdate(sale) }],
          expect: [{ ns: 'counter', key: 'receipt', equals: undefined }],
        });
        expect(await es.get('orders', 'o1')).toEqual({ total: 1200 });
        expect(await es.get('counter', 'receipt')).toBe(1);
        expect(await es.get('idem', 'old')).toBeUndefined();
        expect(salesOf(await es.loadDoc(doc1(E1)))).toEqual(['order-1']);
      });

      it('writes nothing when one expectation fails, and names the record', async () => {
        const es = await handle(store, E1);
        await es.put('counter', 'receipt', 5);
        await es.put('keep', 'me', 'here');
        const sale = new Y.Doc();
        sale.getMap('sales').set('never', 1);
        const attempt = es.commit({
          put: [
            { ns: 'orders', key: 'o1', value: 1 },
            { ns: 'counter', key: 'receipt', value: 6 },
          ],
          del: [{ ns: 'keep', key: 'me' }],
          updates: [{ doc: doc1(E1), update: Y.encodeStateAsUpdate(sale) }],
          // The first holds, the second does not.
          expect: [
            { ns: 'keep', key: 'me', equals: 'here' },
            { ns: 'counter', key: 'receipt', equals: 4 },
          ],
        });
        const err = await attempt.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ConditionFailedError);
        expect((err as ConditionFailedError).name).toBe('ConditionFailedError');
        expect((err as ConditionFailedError).failed).toEqual({ ns: 'counter', key: 'receipt' });
        expect(await es.get('orders', 'o1')).toBeUndefined();
        expect(await es.get('counter', 'receipt')).toBe(5);
        expect(await es.get('keep', 'me')).toBe('here');
        expect(await es.loadDoc(doc1(E1))).toEqual({ snapshot: undefined, updates: [] });
      });

      it('compares expectations as JSON values, and "absent" as absent', async () => {
        const es = await handle(store, E1);
        await es.put('r', 'obj', { a: 1, b: [1, 2] });
        await es.commit({ put: [{ ns: 'r', key: 'obj', value: 2 }], expect: [{ ns: 'r', key: 'obj', equals: { a: 1, b: [1, 2] } }] });
        expect(await es.get('r', 'obj')).toBe(2);
        await expect(es.commit({ put: [{ ns: 'r', key: 'obj', value: 3 }], expect: [{ ns: 'r', key: 'obj', equals: undefined }] })).rejects.toBeInstanceOf(ConditionFailedError);
        await expect(es.commit({ put: [{ ns: 'r', key: 'none', value: 3 }], expect: [{ ns: 'r', key: 'none', equals: null }] })).rejects.toBeInstanceOf(ConditionFailedError);
        // An expectation in another event's space says nothing about this one.
        await (await handle(store, E2)).put('r', 'x', 1);
        await es.commit({ put: [{ ns: 'r', key: 'x', value: 'mine' }], expect: [{ ns: 'r', key: 'x', equals: undefined }] });
        expect(await es.get('r', 'x')).toBe('mine');
      });

      it('50 concurrent read-increment-commit loops end at exactly 50', async () => {
        const es = await handle(store, E1);
        let conflicts = 0;
        async function increment(): Promise<void> {
          for (;;) {
            const n = await es.get<number>('counter', 'n');
            try {
              await es.commit({ put: [{ ns: 'counter', key: 'n', value: (n ?? 0) + 1 }], expect: [{ ns: 'counter', key: 'n', equals: n }] });
              return;
            } catch (err) {
              if (!(err instanceof ConditionFailedError)) throw err;
              conflicts++;
            }
          }
        }
        await Promise.all(Array.from({ length: 50 }, () => increment()));
        expect(await es.get('counter', 'n')).toBe(50);
        // The race was real: some commits saw a value that had moved on.
        expect(conflicts).toBeGreaterThan(0);
      });

      it('of two commits expecting the same key absent, exactly one wins; server-wide commits too', async () => {
        const es = await handle(store, E1);
        const claim = (space: Pick<EventStore, 'commit'>, who: string): Promise<string | undefined> =>
          space.commit({ put: [{ ns: 'idem', key: 'k1', value: who }], expect: [{ ns: 'idem', key: 'k1', equals: undefined }] }).then(
            () => who,
            (e: unknown) => {
              if (e instanceof ConditionFailedError) return undefined;
              throw e;
            },
          );
        const won = (await Promise.all([claim(es, 'a'), claim(es, 'b')])).filter(Boolean);
        expect(won).toHaveLength(1);
        expect(await es.get('idem', 'k1')).toBe(won[0]);
        const server = store.server();
        const wonServer = (await Promise.all([claim(server, 'x'), claim(server, 'y'), claim(server, 'z')])).filter(Boolean);
        expect(wonServer).toHaveLength(1);
        expect(await server.get('idem', 'k1')).toBe(wonServer[0]);
      });

      it('a conditional commit is not overtaken by a plain put of the same record', async () => {
        const es = await handle(store, E1);
        await es.put('r', 'k', 1);
        // Both start before either lands: whichever goes second must see the other's effect.
        const results = await Promise.allSettled([es.commit({ put: [{ ns: 'r', key: 'k', value: 'cas' }], expect: [{ ns: 'r', key: 'k', equals: 1 }] }), es.put('r', 'k', 'plain')]);
        const final = await es.get('r', 'k');
        if (results[0].status === 'fulfilled') expect(final).toBe('plain');
        else expect(results[0].reason).toBeInstanceOf(ConditionFailedError);
        expect(results[1].status).toBe('fulfilled');
      });
    });

    // Only a store kept on disk has a reopen to test: the in-memory store has no such test at all (not a skip).
    if (opts.durable !== false) describe('durability', () => {
      it('keeps documents, records and compaction across a reopen, and never reuses an update’s place', async () => {
        if (!opened.reopen) throw new Error(`${name} is durable but its opener gave no reopen`);
        let es = await handle(store, E1);
        await es.loadDoc(doc1(E1));
        const w = writer(es, doc1(E1));
        w.doc.getMap('sales').set('a', 1);
        await Promise.all(w.writes);
        await es.compact(doc1(E1), Y.encodeStateAsUpdateV2(w.doc), es.compactionMark(doc1(E1)));
        w.doc.getMap('sales').set('b', 1);
        await es.commit({ put: [{ ns: 'orders', key: 'o1', value: { n: 1 } }] });
        await Promise.all(w.writes);
        await store.server().put('tokens', 't1', { role: 'admin' });
        w.stop();

        await reopen();
        es = await handle(store, E1);
        expect(salesOf(await es.loadDoc(doc1(E1)))).toEqual(['a', 'b']);
        expect(await es.get('orders', 'o1')).toEqual({ n: 1 });
        expect(await store.server().get('tokens', 't1')).toEqual({ role: 'admin' });
        expect(await store.eventIds()).toContain(E1);
        // An append after the reopen is kept beside the surviving one, not written over it.
        const again = writer(es, doc1(E1), w.doc);
        again.doc.getMap('sales').set('c', 1);
        await Promise.all(again.writes);
        again.stop();
        await reopen();
        expect(salesOf(await (await handle(store, E1)).loadDoc(doc1(E1)))).toEqual(['a', 'b', 'c']);
      });
    });
  });
}
