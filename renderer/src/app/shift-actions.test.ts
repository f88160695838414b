import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DiscrepancyApprovalRequired, ShiftStateError } from '../../../core/event/shift.ts';
import { LocalStore } from '../store/local-store.ts';
import { setUpStandAloneDemo } from '../store/stand-alone.ts';
import { closeTillShift, moveTillCash, openTillShift, reportOf, shiftState } from './shift-actions.ts';

const START = Date.UTC(2026, 10, 21, 9, 0);
const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M' };

/** Each test gets its own IndexedDB factory and a clock it moves by hand. */
async function world() {
  const indexedDB = new IDBFactory();
  let now = START + 5 * 60_000; // −30 %: the hoodie is 48.30
  const open = () => LocalStore.open({ dbName: 'till', indexedDB, IDBKeyRange, clock: { now: () => now } });
  const store = await open();
  await setUpStandAloneDemo(store, START);
  return { store, open, advance: (ms: number) => (now += ms) };
}

describe('shift records on the till', () => {
  it('keeps the float, the cash movements and the close across restarts, and rebuilds the same Z report', async () => {
    const w = await world();
    const opened = await openTillShift(w.store, 'ana', 10_000);
    w.advance(60_000);
    await moveTillCash(w.store, 'ana', 'cash-in', 2000, 'change-top-up');
    w.store.close();

    const again = await w.open();
    const { open } = await shiftState(again);
    expect(open).toMatchObject({ id: opened.id, float: 10_000, openedBy: 'ana' });
    expect(open!.movements.map((m) => [m.kind, m.amount, m.reason])).toEqual([['cash-in', 2000, 'change-top-up']]);
    w.advance(60_000);
    await again.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830, tendered: 5000 }], cashierId: 'ana' });
    w.advance(60_000);
    const report = await closeTillShift(again, 'ana', 16_630);
    // 100.00 float + 20.00 top-up + 48.30 sale (the 1.70 change went back to the customer).
    expect(report.cash).toMatchObject({ expected: 16_830, counted: 16_630, discrepancy: -200 });
    expect(report.sales).toMatchObject({ transactions: 1, gross: 4830 });
    again.close();

    const third = await w.open();
    const state = await shiftState(third);
    expect(state.open).toBeUndefined();
    expect(state.lastClosed?.close).toMatchObject({ counted: 16_630, expected: 16_830, discrepancy: -200, cashierId: 'ana' });
    expect(await reportOf(third, state.lastClosed!)).toEqual(report);
    // The clock that made the ids was saved with them: a new shift's id sorts after the old ones.
    const next = await openTillShift(third, 'ana', 5000);
    expect(next.id > state.lastClosed!.close!.id).toBe(true);
  });

  it('writes nothing when the count is off by more than 5.00, and records the manager who then approves', async () => {
    const w = await world();
    await openTillShift(w.store, 'ana', 10_000);
    await expect(closeTillShift(w.store, 'ana', 9000)).rejects.toThrow(DiscrepancyApprovalRequired);
    expect(await w.store.db.shiftEvents.count()).toBe(1);
    expect((await shiftState(w.store)).open).toBeDefined();
    const report = await closeTillShift(w.store, 'ana', 9000, 'mia');
    expect(report).toMatchObject({ approvedBy: 'mia', cash: { discrepancy: -1000 } });
    expect((await shiftState(w.store)).lastClosed?.close?.approvedBy).toBe('mia');
  });

  it('opens only one shift when two opens race, and refuses to close or move cash with none open', async () => {
    const w = await world();
    await expect(closeTillShift(w.store, 'ana', 0)).rejects.toThrow(ShiftStateError);
    await expect(moveTillCash(w.store, 'ana', 'cash-out', 100, 'banking')).rejects.toThrow(ShiftStateError);
    const results = await Promise.allSettled([openTillShift(w.store, 'ana', 10_000), openTillShift(w.store, 'ana', 10_000)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await w.store.db.shiftEvents.count()).toBe(1);
  });

  it('leaves no shift record behind when its transaction fails', async () => {
    const w = await world();
    const fail = () => {
      throw new Error('disk full');
    };
    w.store.db.shiftEvents.hook('creating', fail);
    await expect(openTillShift(w.store, 'ana', 10_000)).rejects.toThrow(/disk full/);
    w.store.db.shiftEvents.hook('creating').unsubscribe(fail);
    expect(await w.store.db.shiftEvents.count()).toBe(0);
    expect((await shiftState(w.store)).open).toBeUndefined();
  });
});
