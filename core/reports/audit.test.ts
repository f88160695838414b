import { describe, expect, it } from 'vitest';
import { auditLog, type VoidRecord } from './audit.ts';
import { formatHlc } from '../base/hlc.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import type { Refund } from '../refunds/refund.ts';
import type { ShiftEvent } from '../event/shift.ts';

const at = (wall: number) => formatHlc({ wall, counter: 0, node: 'T1DEV0000001' });

describe('audit log', () => {
  it('lists this till’s voids, oversells, refunds and cash moves, newest first, and nobody else’s', () => {
    const voids: VoidRecord[] = [
      { id: 'v1', tillId: 't1', cashierId: 'ana', wallTime: 1000, lines: [{ sku: 'CAP', name: 'Cap', qty: 2 }], total: 4800, reason: 'cart cleared' },
      { id: 'v2', tillId: 't2', cashierId: 'bob', wallTime: 1500, lines: [], total: 0, reason: 'cart cleared' },
    ];
    const override = { id: `e_${at(3000)}`, at: at(3000), writer: 'T1DEV0000001', kind: 'sale', sku: 'CAP', qty: 3, from: 'till:t1', ref: 's1', override: { managerId: 'mia', reason: 'display unit', shortfall: 1 } } as LedgerEntry;
    const foreign = { ...override, from: 'till:t2' } as LedgerEntry;
    const refund = { id: 'r1', tillId: 't1', cashierId: 'ana', wallTime: 2000, receiptNumber: 'T1-00003', lines: [{ qty: 1, reason: 'defective' }], total: 2400 } as unknown as Refund;
    const cashOut = { id: 'sh2', shiftId: 'sh1', kind: 'cash-out', tillId: 't1', cashierId: 'mia', wallTime: 4000, amount: 10000, reason: 'banking' } as ShiftEvent;
    const beyond = { ...refund, id: 'r2', wallTime: 3500, approvedBy: 'mia', override: { managerId: 'mia', reason: 'till 2 offline', units: 1 } } as Refund;
    const log = auditLog('t1', { voids, overrides: [override, foreign], refunds: [refund, beyond], shiftEvents: [cashOut], holder: 'till:t1' });
    expect(log).toEqual([
      { at: 4000, kind: 'cash-out', who: 'mia', what: 'banking', amount: 10000 },
      { at: 3500, kind: 'refund', who: 'ana', what: 'receipt T1-00003: 1 item(s), defective, approved by mia; 1 beyond refund rights, overridden by mia', amount: 2400 },
      { at: 3000, kind: 'override', who: 'mia', what: '3 × CAP sold, 1 beyond stock: display unit' },
      { at: 2000, kind: 'refund', who: 'ana', what: 'receipt T1-00003: 1 item(s), defective, pre-authorised', amount: 2400 },
      { at: 1000, kind: 'void', who: 'ana', what: 'cart cleared: 2 × Cap', amount: 4800 },
    ]);
  });
});

describe('drawer openings in the audit log', () => {
  it('shows each opening of this till’s drawer: after a cash sale with its receipt, or by a manager with no sale', () => {
    const log = auditLog('t1', {
      voids: [],
      overrides: [],
      refunds: [],
      shiftEvents: [],
      holder: 'till:t1',
      drawer: [
        { id: 'd1', tillId: 't1', cashierId: 'ana', wallTime: 1000, reason: 'cash-sale', receiptNumber: 'T1-00007' },
        { id: 'd2', tillId: 't1', cashierId: 'mia', wallTime: 2000, reason: 'manager' },
        { id: 'd3', tillId: 't2', cashierId: 'bob', wallTime: 3000, reason: 'manager' },
      ],
    });
    expect(log).toEqual([
      { at: 2000, kind: 'drawer', who: 'mia', what: 'drawer opened by a manager, no sale' },
      { at: 1000, kind: 'drawer', who: 'ana', what: 'drawer opened for cash sale T1-00007' },
    ]);
  });
});
