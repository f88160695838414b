import { describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors.ts';
import { HybridClock } from '../base/hlc.ts';
import { closeShift, DiscrepancyApprovalRequired, moveCash, needsDiscrepancyApproval, openShift, openShiftOf, parseShiftEvent, shiftsOf, ShiftStateError, type ShiftEvent } from './shift.ts';

const DEVICE = 'T1DEV0000001';
const START = Date.UTC(2026, 10, 21, 9);

function till(tillId = 't1') {
  let now = START;
  const clock = new HybridClock(DEVICE, { now: () => now });
  const events: ShiftEvent[] = [];
  const at = (minutes: number) => (now = START + minutes * 60_000);
  const actor = () => ({ tillId, cashierId: 'ana', now });
  const close = (counted: number, expected: number, approvedBy?: string) =>
    closeShift(events, { ...actor(), counted, expected, currency: 'EUR', locale: 'en-IE', ...(approvedBy ? { approvedBy } : {}) }, clock);
  return { clock, events, at, actor, close };
}

describe('shifts', () => {
  it('opens with a float, records cash in and out with a reason, and folds the events into the shift', () => {
    const t = till();
    const open = openShift(t.events, { ...t.actor(), float: 10_000 }, t.clock);
    t.events.push(open);
    t.at(10);
    t.events.push(moveCash(t.events, { ...t.actor(), kind: 'cash-in', amount: 2000, reason: 'change-top-up' }, t.clock));
    t.at(50);
    t.events.push(moveCash(t.events, { ...t.actor(), kind: 'cash-out', amount: 5000, reason: 'banking' }, t.clock));
    const shift = openShiftOf(t.events, 't1')!;
    expect(shift).toMatchObject({ id: open.id, openedAt: START, openedBy: 'ana', float: 10_000 });
    expect(shift.movements.map((m) => [m.kind, m.amount, m.reason, m.shiftId])).toEqual([
      ['cash-in', 2000, 'change-top-up', open.id],
      ['cash-out', 5000, 'banking', open.id],
    ]);
    // The ids come from the device's hybrid clock: they name the device and sort by time.
    expect(open.id).toMatch(new RegExp(`^sh_[0-9a-z]{15}-${DEVICE}$`));
    expect(openShiftOf(t.events, 't2')).toBeUndefined();
  });

  it('refuses a second open shift, and cash movements or a close with no shift open', () => {
    const t = till();
    expect(() => moveCash(t.events, { ...t.actor(), kind: 'cash-in', amount: 100, reason: 'change-top-up' }, t.clock)).toThrow(ShiftStateError);
    expect(() => t.close(0, 0)).toThrow(ShiftStateError);
    t.events.push(openShift(t.events, { ...t.actor(), float: 0 }, t.clock));
    expect(() => openShift(t.events, { ...t.actor(), float: 5000 }, t.clock)).toThrow(/already open/);
    t.events.push(t.close(0, 0));
    expect(openShiftOf(t.events, 't1')).toBeUndefined();
    // After the close the next shift may open.
    expect(openShift(t.events, { ...t.actor(), float: 5000 }, t.clock).float).toBe(5000);
  });

  it('refuses a negative float, a zero or fractional movement and an unknown reason', () => {
    const t = till();
    expect(() => openShift(t.events, { ...t.actor(), float: -1 }, t.clock)).toThrow(ValidationError);
    t.events.push(openShift(t.events, { ...t.actor(), float: 100 }, t.clock));
    expect(() => moveCash(t.events, { ...t.actor(), kind: 'cash-out', amount: 0, reason: 'banking' }, t.clock)).toThrow(/above zero/);
    expect(() => moveCash(t.events, { ...t.actor(), kind: 'cash-out', amount: 1.5, reason: 'banking' }, t.clock)).toThrow(ValidationError);
    expect(() => moveCash(t.events, { ...t.actor(), kind: 'cash-out', amount: 100, reason: 'lunch' as 'banking' }, t.clock)).toThrow(/reason/);
  });

  it('needs a manager to close when the count is off by more than 5.00, and records who approved', () => {
    const t = till();
    t.events.push(openShift(t.events, { ...t.actor(), float: 10_000 }, t.clock));
    // Exactly 5.00 either way closes without a manager.
    expect(t.close(9500, 10_000).discrepancy).toBe(-500);
    expect(t.close(10_500, 10_000).discrepancy).toBe(500);
    expect(() => t.close(9499, 10_000)).toThrow(DiscrepancyApprovalRequired);
    expect(() => t.close(10_501, 10_000)).toThrow(/€5.01 over the expected €100.00, more than €5.00: a manager must approve/);
    const closed = t.close(9000, 10_000, 'mia');
    expect(closed).toMatchObject({ kind: 'close', counted: 9000, expected: 10_000, discrepancy: -1000, approvedBy: 'mia' });
    expect(needsDiscrepancyApproval(-501, 'EUR')).toBe(true);
    // Yen have no minor unit: the limit is 5 yen.
    expect(needsDiscrepancyApproval(6, 'JPY')).toBe(true);
    expect(needsDiscrepancyApproval(500, 'JPY')).toBe(true);
    expect(needsDiscrepancyApproval(5, 'JPY')).toBe(false);
  });

  it('keeps each shift with its own events when a till runs several in a day', () => {
    const t = till();
    const first = openShift(t.events, { ...t.actor(), float: 1000 }, t.clock);
    t.events.push(first);
    t.events.push(t.close(1000, 1000));
    t.at(60);
    const second = openShift(t.events, { ...t.actor(), float: 2000 }, t.clock);
    t.events.push(second);
    t.events.push(moveCash(t.events, { ...t.actor(), kind: 'cash-in', amount: 300, reason: 'change-top-up' }, t.clock));
    // Stored order does not matter: events fold by id.
    const shifts = shiftsOf([...t.events].reverse(), 't1');
    expect(shifts.map((s) => [s.id, s.float, s.movements.length, s.close?.counted])).toEqual([
      [first.id, 1000, 0, 1000],
      [second.id, 2000, 1, undefined],
    ]);
  });

  it('reads stored events back and refuses one whose discrepancy is not counted − expected', () => {
    const t = till();
    const open = openShift(t.events, { ...t.actor(), float: 10_000 }, t.clock);
    t.events.push(open);
    const closed = t.close(9900, 10_000);
    expect(parseShiftEvent(JSON.parse(JSON.stringify(open)))).toEqual(open);
    expect(parseShiftEvent(JSON.parse(JSON.stringify(closed)))).toEqual(closed);
    expect(() => parseShiftEvent({ ...closed, discrepancy: 0 })).toThrow(/counted − expected/);
    expect(() => parseShiftEvent({ ...open, float: -5 })).toThrow(/float/);
  });
});
