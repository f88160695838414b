import type { Minor } from '../../../core/base/money.ts';
import { closeShift, moveCash, openShift, openShiftOf, shiftsOf, ShiftStateError, type CashMoved, type CashReason, type Shift, type ShiftOpened } from '../../../core/event/shift.ts';
import { buildZReport, type ZReport } from '../../../core/reports/z-report.ts';
import type { LocalStore } from '../store/local-store.ts';

/**
 * The till's shift, through the local store: each step is built by core/event/shift.ts from the events so far
 * and written in one IndexedDB transaction (LocalStore.appendShiftEvent). No UI here, so it is tested
 * against fake-indexeddb.
 */
function tillOf(store: LocalStore): string {
  const tillId = store.profile?.tillId;
  if (!tillId) throw new Error('this till is not set up: pair it or start it stand-alone first');
  return tillId;
}

function configOf(store: LocalStore) {
  const config = store.config();
  if (!config) throw new Error('this till has no event set up yet');
  return config;
}

/** The open shift and the last closed one of this till. */
export async function shiftState(store: LocalStore): Promise<{ open: Shift | undefined; lastClosed: Shift | undefined }> {
  const shifts = shiftsOf(await store.shiftEvents(), tillOf(store));
  return { open: shifts.find((s) => !s.close), lastClosed: shifts.filter((s) => s.close).at(-1) };
}

export async function openTillShift(store: LocalStore, cashierId: string, float: Minor): Promise<ShiftOpened> {
  const tillId = tillOf(store);
  const event = await store.appendShiftEvent((events) => openShift(events, { tillId, cashierId, now: store.wallTime(), float }, store.clock));
  return event as ShiftOpened;
}

export async function moveTillCash(store: LocalStore, cashierId: string, kind: 'cash-in' | 'cash-out', amount: Minor, reason: CashReason): Promise<CashMoved> {
  const tillId = tillOf(store);
  const event = await store.appendShiftEvent((events) => moveCash(events, { tillId, cashierId, now: store.wallTime(), kind, amount, reason }, store.clock));
  return event as CashMoved;
}

/**
 * Counts the drawer and closes the shift: the Z report is built from this till's sales and refunds since the
 * shift opened, in the store's write queue (no sale lands in between), and the close records the counted
 * and expected cash. A discrepancy above the limit without `approvedBy` is refused with
 * DiscrepancyApprovalRequired, and nothing is written.
 */
export async function closeTillShift(store: LocalStore, cashierId: string, counted: Minor, approvedBy?: string): Promise<ZReport> {
  const tillId = tillOf(store);
  const config = configOf(store);
  let report: ZReport | undefined;
  await store.appendShiftEvent(async (events) => {
    const shift = openShiftOf(events, tillId);
    if (!shift) throw new ShiftStateError('no shift is open on this till: there is nothing to close');
    const now = store.wallTime();
    const activity = await store.tillActivity(shift.openedAt, now);
    report = buildZReport({ config, shift, closing: { at: now, by: cashierId, counted, ...(approvedBy ? { approvedBy } : {}) }, ...activity });
    const opts = { tillId, cashierId, now, counted, expected: report.cash.expected, currency: config.currency, locale: config.locale };
    return closeShift(events, approvedBy ? { ...opts, approvedBy } : opts, store.clock);
  });
  return report!;
}

/** The Z report of a closed shift, rebuilt from its records (after a restart, say). */
export async function reportOf(store: LocalStore, shift: Shift): Promise<ZReport> {
  if (!shift.close) throw new ShiftStateError('the shift is still open');
  const activity = await store.tillActivity(shift.openedAt, shift.close.wallTime);
  return buildZReport({ config: configOf(store), shift, ...activity });
}
