import { PopupError, ValidationError } from '../base/errors.ts';
import type { HybridClock } from '../base/hlc.ts';
import { newId } from '../base/ids.ts';
import { formatMoney, minorDigits, type Minor } from '../base/money.ts';
import { asObject, int, oneOf, optStr, str, type Obj } from '../base/validate.ts';

/**
 * A till's shift: the cash drawer from the float counted into it at the start to the cash counted out at the
 * end, with the cash put in or taken out in between. Every step is a `ShiftEvent`, an immutable record made
 * on the till (id from the device's hybrid clock, the cashier, the wall time) and written in one IndexedDB
 * transaction; the shift itself is derived from its events.
 *
 * Shift records are kept in the till's IndexedDB and, in the same transaction, in the till's own Yjs
 * document (`event/<id>/till/<tillId>`, core/event/schema.ts TillDoc), which only that till writes and the
 * organiser reads: the organiser reconciles each till's Z report (float, cash movements, count) with the
 * sales and refunds in the brand documents.
 */
export const CASH_REASONS = [
  { id: 'change-top-up', label: 'Change top-up' },
  { id: 'banking', label: 'Banking' },
  { id: 'petty-cash', label: 'Petty cash' },
] as const;
export type CashReason = (typeof CASH_REASONS)[number]['id'];
const CASH_REASON_IDS = CASH_REASONS.map((r) => r.id);

export const SHIFT_EVENT_KINDS = ['open', 'cash-in', 'cash-out', 'close'] as const;
export type ShiftEventKind = (typeof SHIFT_EVENT_KINDS)[number];

interface ShiftEventBase {
  /** `sh_<hlc>`: made on the device, sorts by time, never collides with another till's. */
  id: string;
  /** The id of the shift's `open` event. */
  shiftId: string;
  tillId: string;
  cashierId: string;
  /** Wall time (ms); reports show it in the event's time zone. */
  wallTime: number;
}

export interface ShiftOpened extends ShiftEventBase {
  kind: 'open';
  /** Cash counted into the drawer at the start. */
  float: Minor;
}

export interface CashMoved extends ShiftEventBase {
  kind: 'cash-in' | 'cash-out';
  amount: Minor;
  reason: CashReason;
}

export interface ShiftClosed extends ShiftEventBase {
  kind: 'close';
  /** Cash counted in the drawer at the end, what the till expected, and counted − expected. */
  counted: Minor;
  expected: Minor;
  discrepancy: Minor;
  /** The manager who allowed closing with a discrepancy above the limit. */
  approvedBy?: string;
}

export type ShiftEvent = ShiftOpened | CashMoved | ShiftClosed;

/** A shift, folded from its events. */
export interface Shift {
  id: string;
  tillId: string;
  openedAt: number;
  openedBy: string;
  float: Minor;
  movements: CashMoved[];
  close?: ShiftClosed;
}

/** Opening a shift while one is open, moving cash or closing with none open. */
export class ShiftStateError extends PopupError {}

/** The counted cash is off by more than the limit: a manager must approve before the shift closes. */
export class DiscrepancyApprovalRequired extends PopupError {
  constructor(
    readonly discrepancy: Minor,
    readonly limit: Minor,
    message: string,
  ) {
    super(message);
  }
}

/** A discrepancy above this many whole currency units (5.00 EUR, 5 JPY) needs a manager. */
export const DISCREPANCY_LIMIT_UNITS = 5;

export function discrepancyLimit(currency: string): Minor {
  return DISCREPANCY_LIMIT_UNITS * 10 ** minorDigits(currency);
}

export function needsDiscrepancyApproval(discrepancy: Minor, currency: string): boolean {
  return Math.abs(discrepancy) > discrepancyLimit(currency);
}

/** Every shift of the till, oldest first. Events of other tills are ignored. */
export function shiftsOf(events: readonly ShiftEvent[], tillId: string): Shift[] {
  const shifts = new Map<string, Shift>();
  for (const e of [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (e.tillId !== tillId) continue;
    if (e.kind === 'open') {
      shifts.set(e.id, { id: e.id, tillId: e.tillId, openedAt: e.wallTime, openedBy: e.cashierId, float: e.float, movements: [] });
      continue;
    }
    const shift = shifts.get(e.shiftId);
    if (!shift) continue;
    if (e.kind === 'close') shift.close = e;
    else shift.movements.push(e);
  }
  return [...shifts.values()];
}

/** The till's open shift, if any (at most one is ever open: `openShift` refuses a second). */
export function openShiftOf(events: readonly ShiftEvent[], tillId: string): Shift | undefined {
  return shiftsOf(events, tillId).find((s) => !s.close);
}

export interface ShiftActor {
  tillId: string;
  cashierId: string;
  now: number;
}

function amountOf(value: Minor, field: string, min: number): Minor {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(field, min > 0 ? 'must be an amount above zero' : 'must not be negative');
  }
  return value;
}

/** Opens a shift with the float counted into the drawer; refused while the till has a shift open. */
export function openShift(events: readonly ShiftEvent[], input: ShiftActor & { float: Minor }, clock: HybridClock): ShiftOpened {
  if (openShiftOf(events, input.tillId)) throw new ShiftStateError('a shift is already open on this till: close it first');
  const float = amountOf(input.float, 'float', 0);
  const id = newId('sh', clock);
  return { id, shiftId: id, kind: 'open', tillId: input.tillId, cashierId: input.cashierId, wallTime: input.now, float };
}

/** Cash put into the drawer (a change top-up) or taken out of it (banking, petty cash) during a shift. */
export function moveCash(
  events: readonly ShiftEvent[],
  input: ShiftActor & { kind: 'cash-in' | 'cash-out'; amount: Minor; reason: CashReason },
  clock: HybridClock,
): CashMoved {
  const shift = openShiftOf(events, input.tillId);
  if (!shift) throw new ShiftStateError('no shift is open on this till: open one with its float first');
  if (!CASH_REASON_IDS.includes(input.reason)) throw new ValidationError('reason', `must be one of ${CASH_REASON_IDS.join(', ')}`);
  const amount = amountOf(input.amount, 'amount', 1);
  return { id: newId('sh', clock), shiftId: shift.id, kind: input.kind, tillId: input.tillId, cashierId: input.cashierId, wallTime: input.now, amount, reason: input.reason };
}

/**
 * Closes the open shift with the cash counted. `expected` comes from the Z report (core/reports/z-report.ts). A
 * discrepancy above the limit is refused without a manager's id (`DiscrepancyApprovalRequired`).
 */
export function closeShift(
  events: readonly ShiftEvent[],
  input: ShiftActor & { counted: Minor; expected: Minor; currency: string; locale: string; approvedBy?: string },
  clock: HybridClock,
): ShiftClosed {
  const shift = openShiftOf(events, input.tillId);
  if (!shift) throw new ShiftStateError('no shift is open on this till: there is nothing to close');
  const counted = amountOf(input.counted, 'counted', 0);
  if (!Number.isSafeInteger(input.expected)) throw new ValidationError('expected', 'must be a whole number of minor units');
  const discrepancy = counted - input.expected;
  if (needsDiscrepancyApproval(discrepancy, input.currency) && !input.approvedBy) {
    const money = (n: number) => formatMoney(n, input.currency, input.locale);
    const limit = discrepancyLimit(input.currency);
    throw new DiscrepancyApprovalRequired(
      discrepancy,
      limit,
      `the counted cash is ${money(Math.abs(discrepancy))} ${discrepancy < 0 ? 'short of' : 'over'} the expected ${money(input.expected)}, more than ${money(limit)}: a manager must approve closing the shift`,
    );
  }
  return {
    id: newId('sh', clock),
    shiftId: shift.id,
    kind: 'close',
    tillId: input.tillId,
    cashierId: input.cashierId,
    wallTime: input.now,
    counted,
    expected: input.expected,
    discrepancy,
    ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
  };
}

/** Reads a stored shift event back, checking every field. */
export function parseShiftEvent(raw: unknown): ShiftEvent {
  const o: Obj = asObject(raw, 'shiftEvent');
  const base: ShiftEventBase = {
    id: str(o, 'id', { max: 80 }),
    shiftId: str(o, 'shiftId', { max: 80 }),
    tillId: str(o, 'tillId', { max: 48 }),
    cashierId: str(o, 'cashierId', { max: 80 }),
    wallTime: int(o, 'wallTime', { min: 0 }),
  };
  const kind = oneOf(o, 'kind', SHIFT_EVENT_KINDS);
  switch (kind) {
    case 'open':
      if (base.shiftId !== base.id) throw new ValidationError('shiftId', 'an open event starts its own shift');
      return { ...base, kind, float: int(o, 'float', { min: 0 }) };
    case 'cash-in':
    case 'cash-out':
      return { ...base, kind, amount: int(o, 'amount', { min: 1 }), reason: oneOf(o, 'reason', CASH_REASON_IDS) };
    case 'close': {
      const e: ShiftClosed = { ...base, kind, counted: int(o, 'counted', { min: 0 }), expected: int(o, 'expected'), discrepancy: int(o, 'discrepancy') };
      if (e.counted - e.expected !== e.discrepancy) throw new ValidationError('discrepancy', 'is not counted − expected');
      const approvedBy = optStr(o, 'approvedBy', { max: 80 });
      if (approvedBy !== undefined) e.approvedBy = approvedBy;
      return e;
    }
  }
}
