import * as Y from 'yjs';
import { parseDocName } from '../../core/event/schema.ts';
import { StockView } from '../../core/ledger/stock-view.ts';
import { PosDatabase } from '../../renderer/src/store/db.ts';
import { docNames } from '../../renderer/src/store/doc-persistence.ts';
import { LocalStore, type TillProfile } from '../../renderer/src/store/local-store.ts';
import type { StartProfile, StartResult } from './api.ts';
import { barcodeOf } from './till-seed.ts';

/** A till starting: open the store, then check it could sell (barcode lookup and rights). */
export async function startTill(dbName: string, moduleStart: number): Promise<StartResult> {
  const store = await LocalStore.open({ dbName });
  const opened = performance.now();
  const p = store.byBarcode(barcodeOf(1, 1234));
  if (!p || store.rights(p.brandId, p.sku) <= 0) throw new Error('the till started without its products or rights');
  const sellReady = performance.now();
  const products = store.allProducts().length;
  store.close();
  return { moduleStart, opened, sellReady, products };
}

/**
 * Where a start's time goes: LocalStore.open's steps (see its loadAll and doc-persistence's loadDoc)
 * replayed one at a time with a clock around each. Only for attribution; keep it in step with loadAll.
 */
export async function profileStart(dbName: string): Promise<StartProfile> {
  const p: StartProfile = { dexieOpen: 0, metaReads: 0, docReads: 0, yjsMerge: 0, yjsApply: 0, yjsApplyRowByRow: 0, viewReads: 0, viewRestore: 0, productReads: 0, productIndex: 0, updateRows: 0, snapshotBytes: 0 };
  let last = performance.now();
  const lap = () => {
    const now = performance.now();
    const d = now - last;
    last = now;
    return d;
  };
  const db = new PosDatabase(dbName);
  await db.open();
  p.dexieOpen = lap();
  await db.meta.get('identity');
  await db.meta.get('hlc');
  const profile = (await db.meta.get('profile'))?.value as TillProfile;
  await db.meta.get('receiptSeq');
  p.metaReads = lap();
  for (const name of await docNames(db)) {
    const [snap, rows] = await db.transaction('r', db.snapshots, db.updates, async () => [await db.snapshots.get(name), await db.updates.where('doc').equals(name).toArray()] as const);
    p.docReads += lap();
    p.updateRows += rows.length;
    p.snapshotBytes += snap?.state.byteLength ?? 0;
    const after = rows.filter((r) => r.seq! > (snap?.upTo ?? 0));
    // Not what loadDoc does: the same rows applied one by one in one transaction, for comparison; run first, so
    // it is the real path, not this one, that benefits from a warmed-up JIT.
    const alt = new Y.Doc();
    alt.transact(() => {
      if (snap) Y.applyUpdateV2(alt, snap.state);
      for (const r of after) Y.applyUpdate(alt, r.update);
    });
    p.yjsApplyRowByRow += lap();
    const doc = new Y.Doc();
    if (snap) Y.applyUpdateV2(doc, snap.state);
    p.yjsApply += lap();
    const merged = after.length ? Y.mergeUpdates(after.map((r) => r.update)) : undefined;
    p.yjsMerge += lap();
    if (merged) Y.applyUpdate(doc, merged);
    p.yjsApply += lap();
    if (alt.getMap('ledger').size !== doc.getMap('ledger').size) throw new Error(`${name}: applying row by row gave a different ledger`);
    const ref = parseDocName(name);
    if (ref.kind !== 'brand') continue;
    const range = [[ref.brandId, '', ''], [ref.brandId, '\uffff', '\uffff']] as const;
    const stock = await db.stock.where('[brandId+holder+sku]').between(range[0], range[1]).toArray();
    const totals = await db.totals.where('brandId').equals(ref.brandId).toArray();
    const overrides = await db.exceptions.where('brandId').equals(ref.brandId).toArray();
    p.viewReads += lap();
    new StockView().restore(stock, totals, overrides);
    p.viewRestore += lap();
  }
  const products = await db.products.where('eventId').equals(profile.eventId).toArray();
  p.productReads = lap();
  const byKey = new Map<string, unknown>();
  const byCode = new Map<string, string>();
  for (const pr of products) {
    const k = `${pr.brandId}\u0000${pr.sku}`;
    byKey.set(k, pr);
    for (const code of pr.barcodes) byCode.set(code, k);
  }
  p.productIndex = lap();
  db.close();
  return p;
}
