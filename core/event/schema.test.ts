import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { HybridClock } from '../base/hlc.ts';
import { SERVER_WRITER } from '../ledger/holders.ts';
import { LedgerWriter } from '../ledger/rights.ts';
import { AppendOnlyError, BrandDoc, brandDocName, parseDocName, SetupDoc, setupDocName, TillDoc, tillDocName, TILL_MAPS, watchAppendOnly } from './schema.ts';
import { openShift } from './shift.ts';
import { StockView } from '../ledger/stock-view.ts';

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
    expect(parseDocName(tillDocName('summer-drop', 'till-3'))).toEqual({ eventId: 'summer-drop', kind: 'till', tillId: 'till-3' });
    expect(() => parseDocName('event/../etc')).toThrow(/not event/);
    expect(() => parseDocName('event/summer-drop/till/')).toThrow(/not event/);
  });

  it('keeps a till’s shift events and voids append-only, and watchAppendOnly reports an overwrite there', () => {
    const clock = new HybridClock('T1DEV0000001', { now: () => 1_000 });
    const till = new TillDoc(new Y.Doc());
    const open = openShift([], { tillId: 'till-1', cashierId: 'ana', now: 1_000, float: 5000 }, clock);
    const v = { id: `v_${clock.tick()}`, tillId: 'till-1', cashierId: 'ana', wallTime: 1_000, lines: [{ sku: 'NT-CAP', name: 'Cap', qty: 1 }], total: 2500, reason: 'cart cleared' as const };
    till.appendShiftEvent(open);
    till.appendVoid(v);
    expect(till.shiftEvents().items).toEqual([open]);
    expect(till.voids().items).toEqual([v]);
    expect(() => till.appendVoid(v)).toThrow(AppendOnlyError);
    expect(() => till.appendVoid({ ...v, id: `v_${clock.tick()}`, total: -1 })).toThrow(/total/);
    const report = watchAppendOnly(till.doc, () => till.doc.getMap('voids').set(v.id, '{}'), TILL_MAPS);
    expect(report.violations).toEqual([`voids/${v.id} overwritten`]);
  });

  it('keys creators by their code ignoring case, so two spellings are one creator', () => {
    const setup = new SetupDoc(new Y.Doc());
    setup.write({ creators: [{ code: 'LenaK', name: 'Lena' }] });
    setup.write({ creators: [{ code: 'lenak', name: 'Lena K.' }] });
    expect(setup.creators().items).toEqual([{ code: 'lenak', name: 'Lena K.' }]);
    expect(setup.creator('LENAK')?.name).toBe('Lena K.');
    setup.write({ thresholds: [{ locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 5, safetyStock: 2 }] });
    expect(setup.thresholds().items).toHaveLength(1);
    expect(setup.removeThreshold('booth-a', 'NT-CAP')).toBe(true);
    expect(setup.thresholds().items).toEqual([]);
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
