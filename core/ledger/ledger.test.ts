import { describe, expect, it } from 'vitest';
import { HybridClock } from '../base/hlc.ts';
import { SERVER_WRITER } from './holders.ts';
import { LedgerRuleError, parseEntry } from './ledger.ts';
import { checkEntries, checkEntry, InsufficientRightsError, LedgerWriter, NotOwnerError } from './rights.ts';
import { conservationHolds, StockView } from './stock-view.ts';
import { ValidationError } from '../base/errors.ts';

const TILL = 'T1DEV0000001';
const owners = new Map([
  ['reserve', SERVER_WRITER],
  ['till:t1', TILL],
]);
const ownerOf = (h: string) => owners.get(h);

/** A sale entry as another replica would write it (allowed beyond rights there through an override). */
function entryAt(w: LedgerWriter, saleId: string) {
  const e = w.batch().sale('till:t1', 'TEE', 1, saleId, { managerId: 'm', reason: 'r' });
  const { override: _ignored, ...plain } = e;
  return plain;
}

function setup() {
  const view = new StockView();
  const server = new LedgerWriter(SERVER_WRITER, new HybridClock(SERVER_WRITER, { now: () => 1000 }), view, ownerOf);
  const till = new LedgerWriter(TILL, new HybridClock(TILL, { now: () => 1000 }), view, ownerOf);
  return { view, server, till };
}

describe('ledger entries', () => {
  it('rejects entries that lack what their kind needs, naming the problem', () => {
    const base = { id: 'e_000mgj6k3cw0000-ABC', at: '000mgj6k3cw0000-ABC', writer: 'ABC', sku: 'TEE', qty: 1 };
    expect(() => parseEntry({ ...base, kind: 'sale', from: 'till:t1' })).toThrow(/names its sale/);
    expect(() => parseEntry({ ...base, kind: 'transfer', from: 'reserve', to: 'reserve' })).toThrow(/two different holders/);
    expect(() => parseEntry({ ...base, kind: 'sale', from: 'till:t1', ref: 's1', qty: 0 })).toThrow(ValidationError);
    expect(() => parseEntry({ ...base, kind: 'teleport', to: 'reserve' })).toThrow(/kind/);
    expect(() => parseEntry({ ...base, kind: 'receive', to: 'warehouse' })).toThrow(/holder id/);
    expect(() => parseEntry({ ...base, writer: 'XYZ', kind: 'receive', to: 'reserve' })).toThrow(LedgerRuleError);
    expect(() => parseEntry({ ...base, kind: 'adjust', from: 'till:t1', qty: 2 })).toThrow(/reason/);
    expect(parseEntry({ ...base, kind: 'receive', to: 'reserve' })).toMatchObject({ kind: 'receive', to: 'reserve' });
  });
});

describe('stock rights', () => {
  it('lets a holder spend only its own rights, and only the giver write a transfer', () => {
    const { view, server, till } = setup();
    const b = server.batch();
    b.receive('reserve', 'TEE', 10);
    b.transfer('reserve', 'till:t1', 'TEE', 4);
    b.entries.forEach((e) => view.add(e));
    expect(view.rights('till:t1', 'TEE')).toBe(4);
    expect(() => till.batch().transfer('reserve', 'till:t1', 'TEE', 1)).toThrow(NotOwnerError);
    expect(() => server.batch().sale('till:t1', 'TEE', 1, 's1')).toThrow(NotOwnerError);
  });

  it('checks a batch as a whole, so two lines of one SKU cannot together exceed the rights', () => {
    const { view, server, till } = setup();
    const b = server.batch();
    b.receive('reserve', 'TEE', 3);
    b.transfer('reserve', 'till:t1', 'TEE', 3);
    b.entries.forEach((e) => view.add(e));
    const sale = till.batch();
    sale.sale('till:t1', 'TEE', 2, 's1');
    expect(() => sale.sale('till:t1', 'TEE', 2, 's1')).toThrow(InsufficientRightsError);
    expect(sale.available('till:t1', 'TEE')).toBe(1);
  });

  it('judges a received batch as a whole: two sales each within the rights may together exceed them', () => {
    const { view, server } = setup();
    const b = server.batch();
    b.receive('reserve', 'TEE', 3);
    b.transfer('reserve', 'till:t1', 'TEE', 3);
    b.entries.forEach((e) => view.add(e));
    // Written on another replica that did not know about this view: each alone would pass.
    const elsewhere = new LedgerWriter(TILL, new HybridClock(TILL, { now: () => 2000 }), new StockView(), ownerOf);
    const first = parseEntry({ ...entryAt(elsewhere, 's1'), qty: 2 });
    const second = parseEntry({ ...entryAt(elsewhere, 's2'), qty: 2 });
    expect(() => checkEntry(view, first, ownerOf)).not.toThrow();
    expect(() => checkEntry(view, second, ownerOf)).not.toThrow();
    expect(() => checkEntries(view, [first, second], ownerOf)).toThrow(InsufficientRightsError);
    expect(view.rights('till:t1', 'TEE')).toBe(3);
  });

  it('lets an override go below zero only by the shortfall it records', () => {
    const { view, till } = setup();
    const honest = till.batch().sale('till:t1', 'TEE', 2, 's1', { managerId: 'm', reason: 'r' });
    expect(honest.override!.shortfall).toBe(2);
    expect(() => checkEntry(view, honest, ownerOf)).not.toThrow();
    const understated = { ...honest, override: { ...honest.override!, shortfall: 1 } };
    expect(() => checkEntry(view, understated, ownerOf)).toThrow(InsufficientRightsError);
    // A second override from an already negative balance counts from there.
    view.add(honest);
    const next = till.batch().sale('till:t1', 'TEE', 1, 's2', { managerId: 'm', reason: 'r' });
    expect(next.override!.shortfall).toBe(1);
    expect(() => checkEntry(view, next, ownerOf)).not.toThrow();
  });

  it('refuses to take quarantined stock below zero even with an override', () => {
    const { view, till } = setup();
    expect(() => till.batch().writeOff('till:t1', 'TEE', 1, 'broken', true)).toThrow(InsufficientRightsError);
    const e = parseEntry({ id: 'e_000mgj6k3cw0000-' + TILL, at: '000mgj6k3cw0000-' + TILL, writer: TILL, kind: 'write-off', from: 'till:t1', sku: 'TEE', qty: 1, reason: 'x', fromQuarantine: true });
    expect(() => checkEntry(view, e, ownerOf)).toThrow(/holds 0 of TEE/);
  });

  it('counts an entry once however often it is added, and conserves units', () => {
    const { view, server, till } = setup();
    const b = server.batch();
    b.receive('reserve', 'TEE', 5);
    b.transfer('reserve', 'till:t1', 'TEE', 5);
    b.entries.forEach((e) => view.add(e));
    const s = till.batch();
    s.sale('till:t1', 'TEE', 2, 's1');
    s.refund('till:t1', 'TEE', 1, 'r1', 'quarantine');
    s.writeOff('till:t1', 'TEE', 1, 'torn');
    for (const e of [...s.entries, ...s.entries]) view.add(e);
    expect(view.size).toBe(5);
    expect(view.balance('till:t1', 'TEE')).toEqual({ sellable: 2, quarantined: 1 });
    expect(view.skuTotals('TEE')).toMatchObject({ received: 5, sold: 2, refundedQuarantine: 1, writtenOff: 1 });
    expect(conservationHolds(view, 'TEE')).toBe(true);
    expect(view.byLocation((h) => (h === 'till:t1' ? 'booth-a' : undefined)).get('booth-a')?.get('TEE')).toEqual({ sellable: 2, quarantined: 1 });
  });
});
