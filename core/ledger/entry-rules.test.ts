import { describe, expect, it } from 'vitest';
import { DEMO_STAFF } from '../event/demo-event.ts';
import { checkEntryFields, checkEntryRules, EntryRuleError, managersOf } from './entry-rules.ts';
import { DEFAULT_LEDGER_LIMITS, ledgerLimits } from '../event/event.ts';
import { parseEntry, type LedgerEntry } from './ledger.ts';

const DEVICE = 'T1DEV0000001';
let n = 0;
const entry = (fields: Omit<LedgerEntry, 'id' | 'at' | 'writer'>): LedgerEntry => {
  const at = `0000000000${n++}`.slice(-11) + `0000-${DEVICE}`;
  return parseEntry({ id: `e_${at}`, at, writer: DEVICE, ...fields });
};
const ctx = { isManager: managersOf(DEMO_STAFF), limits: DEFAULT_LEDGER_LIMITS };

describe('entry rules', () => {
  it('refuses stock received into a till; accepts it at the reserve, a hub and the online channel', () => {
    expect(() => checkEntryRules(entry({ kind: 'receive', to: 'till:t1', sku: 'A', qty: 1_000_000 }), ctx)).toThrow(EntryRuleError);
    for (const to of ['reserve', 'hub:central', 'online']) expect(() => checkEntryRules(entry({ kind: 'receive', to, sku: 'A', qty: 10 }), ctx)).not.toThrow();
  });

  it('needs a real manager and the bound for a positive adjustment, nothing for a negative one', () => {
    const adjust = (qty: number, approvedBy?: string) => entry({ kind: 'adjust', from: 'till:t1', sku: 'A', qty, reason: 'recount', ...(approvedBy ? { approvedBy } : {}) });
    expect(() => checkEntryRules(adjust(500_000), ctx)).toThrow(/names the manager who approved it/);
    expect(() => checkEntryRules(adjust(5, 'ghost'), ctx)).toThrow(/"ghost" is not a manager/);
    expect(() => checkEntryRules(adjust(5, 'ana'), ctx)).toThrow(/"ana" is not a manager/);
    expect(() => checkEntryRules(adjust(51, 'mia'), ctx)).toThrow(/more than the 50/);
    expect(() => checkEntryRules(adjust(50, 'mia'), ctx)).not.toThrow();
    expect(() => checkEntryRules(adjust(-7), ctx)).not.toThrow();
  });

  it('needs a real manager and the bound for an override', () => {
    const sale = (managerId: string, shortfall: number) => entry({ kind: 'sale', from: 'till:t1', sku: 'A', qty: shortfall, ref: 's1', override: { managerId, reason: 'x', shortfall } });
    expect(() => checkEntryRules(sale('ghost', 1), ctx)).toThrow(/"ghost", who is not a manager/);
    expect(() => checkEntryRules(sale('ana', 1), ctx)).toThrow(/"ana", who is not a manager/);
    expect(() => checkEntryRules(sale('mia', 11), ctx)).toThrow(/more than the 10 allowed/);
    expect(() => checkEntryRules(sale('mia', 10), ctx)).not.toThrow();
    // The organiser may widen (or narrow) the bound in the event's policies.
    expect(() => checkEntryRules(sale('mia', 11), { ...ctx, limits: ledgerLimits({ policies: { returnsDays: 0, defectRefundLimit: 0, returnsText: '', warrantyText: '', pickupText: '', maxOverrideUnits: 20 } }) })).not.toThrow();
  });

  it('refuses a stored entry with a field its schema does not have', () => {
    expect(() => checkEntryFields({ kind: 'sale', sku: 'A', qty: 1, junk: 'x' }, 'e_1')).toThrow(/unknown field "junk"/);
    expect(() => checkEntryFields({ kind: 'adjust', sku: 'A', qty: 1, from: 'till:t1', reason: 'r', approvedBy: 'mia' }, 'e_1')).not.toThrow();
  });
});
