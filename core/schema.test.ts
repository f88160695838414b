import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { HybridClock } from './hlc.ts';
import { SERVER_WRITER } from './holders.ts';
import { LedgerWriter } from './rights.ts';
import { AppendOnlyError, BrandDoc, brandDocName, parseDocName, setupDocName, watchAppendOnly } from './schema.ts';
import { StockView } from './stock-view.ts';

function entries(n: number) {
  const w = new LedgerWriter(SERVER_WRITER, new HybridClock(SERVER_WRITER, { now: () => 1 }), new StockView(), () => SERVER_WRITER);
  const b = w.batch();
  for (let i = 0; i < n; i++) b.receive('reserve', 'TEE', 1);
  return b.entries;
}

describe('Yjs document schema', () => {
  it('names documents per event and brand and refuses other names', () => {
    expect(parseDocName(brandDocName('summer-drop', 'acme'))).toEqual({ eventId: 'summer-drop', kind: 'brand', brandId: 'acme' });
    expect(parseDocName(setupDocName('summer-drop'))).toEqual({ eventId: 'summer-drop', kind: 'setup' });
    expect(() => parseDocName('event/../etc')).toThrow(/not event/);
  });

  it('appends ledger entries and refuses to overwrite an existing one', () => {
    const brand = new BrandDoc(new Y.Doc());
    const [a, b] = entries(2);
    brand.appendEntries([a!, b!]);
    expect(brand.ledger().items.map((e) => e.id)).toEqual([a!.id, b!.id]);
    expect(() => brand.appendEntries([a!])).toThrow(AppendOnlyError);
  });

  it('decodes what a peer wrote and reports invalid values instead of dropping them silently', () => {
    const doc = new Y.Doc();
    const brand = new BrandDoc(doc);
    brand.appendEntries(entries(1));
    doc.getMap('ledger').set('bogus', JSON.stringify({ kind: 'sale' }));
    const decoded = brand.ledger();
    expect(decoded.items).toHaveLength(1);
    expect(decoded.invalid).toEqual([{ key: 'bogus', error: expect.stringMatching(/not a ledger entry id/) }]);
  });

  it('detects an update that overwrites or deletes a ledger entry before it is trusted', () => {
    const original = new Y.Doc();
    const brand = new BrandDoc(original);
    const [a, b] = entries(2);
    brand.appendEntries([a!, b!]);
    // A rogue peer with the same history deletes one entry and rewrites another.
    const rogue = new Y.Doc();
    Y.applyUpdate(rogue, Y.encodeStateAsUpdate(original));
    const before = Y.encodeStateVector(rogue);
    rogue.getMap('ledger').delete(a!.id);
    rogue.getMap('ledger').set(b!.id, JSON.stringify({ ...b!, qty: 1000 }));
    const update = Y.encodeStateAsUpdate(rogue, before);

    const scratch = new Y.Doc();
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(original));
    const report = watchAppendOnly(scratch, () => Y.applyUpdate(scratch, update));
    expect(report.violations.sort()).toEqual([`ledger/${a!.id} deleted`, `ledger/${b!.id} overwritten`].sort());

    const honest = new Y.Doc();
    Y.applyUpdate(honest, Y.encodeStateAsUpdate(original));
    const sv = Y.encodeStateVector(honest);
    new BrandDoc(honest).appendEntries(entries(1).map((e) => ({ ...e, id: e.id.replace('e_', 'e_1') })));
    const ok = watchAppendOnly(scratch, () => Y.applyUpdate(scratch, Y.encodeStateAsUpdate(honest, sv)));
    expect(ok.violations).toEqual([]);
    expect(ok.added).toHaveLength(1);
  });

  it('tells observers about entries added by remote updates, once', () => {
    const a = new BrandDoc(new Y.Doc());
    const b = new BrandDoc(new Y.Doc());
    const seen: string[] = [];
    b.onLedger((added) => seen.push(...added.map((e) => e.id)));
    a.appendEntries(entries(3));
    const update = Y.encodeStateAsUpdate(a.doc);
    Y.applyUpdate(b.doc, update);
    Y.applyUpdate(b.doc, update);
    expect(seen).toHaveLength(3);
  });
});

describe('refund records', () => {
  it('are appended with their ledger entries and must add up', () => {
    const brand = new BrandDoc(new Y.Doc());
    const refund = {
      id: 'r_1-T1DEV0000001', at: '000mgj6k3cw0000-T1DEV0000001', wallTime: 1, writer: 'T1DEV0000001', eventId: 'ev', brandId: 'acme',
      tillId: 't1', holder: 'till:t1', saleId: 's_1', receiptNumber: 'T1-00001', cashierId: 'ana',
      lines: [{ sku: 'TEE', qty: 1, amount: 2000, tax: 333, disposition: 'quarantine' as const, reason: 'defective', entryId: 'e_1' }],
      payments: [{ method: 'cash' as const, amount: 2000 }], total: 2000,
    };
    brand.appendRefund(refund, []);
    expect(brand.refunds()).toEqual({ items: [refund], invalid: [] });
    brand.doc.getMap('refunds').set('r_bad', JSON.stringify({ ...refund, id: 'r_bad', total: 1999 }));
    expect(brand.refunds().invalid).toEqual([{ key: 'r_bad', error: expect.stringMatching(/total/) }]);
  });
});
