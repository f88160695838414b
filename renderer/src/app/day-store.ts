import { create } from 'zustand';
import { toTagged } from '../../../core/base/errors.ts';
import { parseMoney, type Minor } from '../../../core/base/money.ts';
import { DiscrepancyApprovalRequired, type CashReason, type Shift } from '../../../core/event/shift.ts';
import type { StaffMember } from '../../../core/event/staff.ts';
import { zReportCsv, type ZReport } from '../../../core/reports/z-report.ts';
import { usePos } from './pos-store.ts';
import { closeTillShift, moveTillCash, openTillShift, reportOf, shiftState } from './shift-actions.ts';

/**
 * UI state of the day close (zustand), apart from the sell screen's: whether the screen shows, the till's
 * open shift, the Z report once it is closed, and a count waiting for a manager. The data itself is in
 * the LocalStore (shift records) and the brand documents (sales, refunds).
 */
export interface DayState {
  showing: boolean;
  loading: boolean;
  busy: boolean;
  shift: Shift | undefined;
  /** The shift has been read from disk at least once: until then the till cannot say whether one is open. */
  known: boolean;
  lastClosed: Shift | undefined;
  /** The Z report of the shift just closed (or of the last one, when asked for). */
  report: ZReport | undefined;
  /** A count off by more than the limit: the manager approves it or the cashier counts again. */
  approval: { counted: Minor; message: string } | undefined;
  error: string | undefined;
  /** Said after a step succeeded (cash in, cash out). */
  notice: string | undefined;
}

export const useDay = create<DayState>(() => ({
  showing: false,
  loading: false,
  busy: false,
  shift: undefined,
  known: false,
  lastClosed: undefined,
  report: undefined,
  approval: undefined,
  error: undefined,
  notice: undefined,
}));

const set = useDay.setState;
const get = useDay.getState;

function context() {
  const { store, cashier } = usePos.getState();
  const config = store?.config();
  if (!store || !config) throw new Error('the till is not open');
  return { store, config, cashierId: cashier?.id ?? 'till' };
}

/** Reads a typed amount; an empty field or a negative amount is refused in the cashier's words. */
function amount(text: string, what: string, currency: string): Minor {
  if (text.trim() === '') throw new Error(`Type the ${what}`);
  const value = parseMoney(text, currency);
  if (value < 0) throw new Error(`The ${what} cannot be negative`);
  return value;
}

async function reload(): Promise<void> {
  const { store } = context();
  const { open, lastClosed } = await shiftState(store);
  set({ shift: open, lastClosed, known: true });
}

/**
 * Reads whether this till has an open shift. Selling needs one: a sale outside every shift would be in no
 * Z report, so the sell screen asks for the opening float first.
 */
export async function loadShift(): Promise<void> {
  try {
    await reload();
  } catch (err) {
    set({ error: toTagged(err).message });
  }
}

async function step(run: () => Promise<void>): Promise<void> {
  if (get().busy) return;
  set({ busy: true, error: undefined, notice: undefined });
  try {
    await run();
  } catch (err) {
    set({ error: toTagged(err).message });
  } finally {
    set({ busy: false });
  }
}

export async function showDayClose(): Promise<void> {
  set({ showing: true, loading: true, report: undefined, approval: undefined, error: undefined, notice: undefined });
  try {
    await reload();
  } catch (err) {
    set({ error: toTagged(err).message });
  } finally {
    set({ loading: false });
  }
}

export function leaveDayClose(): void {
  set({ showing: false, report: undefined, approval: undefined, error: undefined, notice: undefined });
}

export function startShift(floatText: string): Promise<void> {
  return step(async () => {
    const { store, config, cashierId } = context();
    await openTillShift(store, cashierId, amount(floatText, 'opening float', config.currency));
    await reload();
  });
}

export function recordCash(kind: 'cash-in' | 'cash-out', amountText: string, reason: CashReason): Promise<void> {
  return step(async () => {
    const { store, config, cashierId } = context();
    const value = amount(amountText, 'amount', config.currency);
    if (value === 0) throw new Error('Type an amount above zero');
    await moveTillCash(store, cashierId, kind, value, reason);
    await reload();
    set({ notice: kind === 'cash-in' ? 'Cash in recorded' : 'Cash out recorded' });
  });
}

/** Closes the shift with the cash counted; above the limit, asks for a manager first. */
export function countAndClose(countedText: string): Promise<void> {
  return step(async () => {
    const { config } = context();
    await close(amount(countedText, 'counted cash', config.currency));
  });
}

export function approveClose(manager: StaffMember): Promise<void> {
  const pending = get().approval;
  if (!pending) return Promise.resolve();
  return step(() => close(pending.counted, manager.id));
}

export function cancelApproval(): void {
  set({ approval: undefined });
}

async function close(counted: Minor, approvedBy?: string): Promise<void> {
  const { store, cashierId } = context();
  try {
    const report = await closeTillShift(store, cashierId, counted, approvedBy);
    set({ report, approval: undefined });
    await reload();
  } catch (err) {
    if (!(err instanceof DiscrepancyApprovalRequired)) throw err;
    set({ approval: { counted, message: err.message.charAt(0).toUpperCase() + err.message.slice(1) } });
  }
}

export function showLastReport(): Promise<void> {
  return step(async () => {
    const { store } = context();
    const last = get().lastClosed;
    if (last) set({ report: await reportOf(store, last) });
  });
}

export function hideReport(): void {
  set({ report: undefined });
}

/** Saves the report as a CSV file (a Blob download: works offline and in Electron). */
export function downloadCsv(report: ZReport): void {
  const blob = new Blob([zReportCsv(report, report.currency)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `z-report-${report.tillId}-${report.date}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
