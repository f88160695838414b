import { describe, expect, it } from 'vitest';
import { buildCheckout, priceItems } from './checkout.ts';
import { DEMO_PRODUCTS, DEMO_STAFF, demoConfig } from '../event/demo-event.ts';
import { EntryRuleError, managersOf } from '../ledger/entry-rules.ts';
import { HybridClock } from '../base/hlc.ts';
import { tillHolder } from '../ledger/holders.ts';
import { LedgerWriter } from '../ledger/rights.ts';
import { checkSaleFields, checkSaleRules, MAX_SALE_MINOR, SaleRuleError } from './sale-rules.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import type { Sale } from './sale.ts';
import { StockView } from '../ledger/stock-view.ts';

const DEVICE = 'T1DEV0000001';
const START = Date.UTC(2026, 10, 21, 9);
const holder = tillHolder('t1');
const config = demoConfig(START);
const product = (b: string, s: string) => DEMO_PRODUCTS.find((p) => p.brandId === b && p.sku === s);
const SKU = 'NT-CAP';

/** A till with 5 caps, checking out as the real till does. */
function till() {
  const clock = new HybridClock(DEVICE, { now: () => START + 60_000 });
  const view = new StockView();
  const writer = new LedgerWriter(DEVICE, clock, view, (h) => (h === holder ? DEVICE : h === 'reserve' ? 'SERVER000000' : undefined));
  view.add({ id: `e_00000000000${'0000'}-SERVER000000`, at: '000000000000000-SERVER000000', writer: 'SERVER000000', kind: 'transfer', from: 'reserve', to: holder, sku: SKU, qty: 5 });
  const ctx = { config, deviceId: DEVICE, tillId: 't1', holder, receiptNumber: 'T1-00001', clock, product, writer: () => writer, isManager: managersOf(DEMO_STAFF) };
  return { ctx };
}

/** The rules as the server applies them to a sale and its entries. */
function judge(sale: Sale, entries: { id: string }[], prefix = 'T1') {
  const byId = new Map(entries.map((e) => [e.id, e]));
  checkSaleRules(sale, { config, product: (s) => product(sale.brandId, s), entry: (id) => byId.get(id) as never, isManager: managersOf(DEMO_STAFF), receiptPrefix: (t) => (t === 't1' ? prefix : undefined) });
}

describe('sale rules', () => {
  const paid = (total: number) => [{ method: 'card' as const, amount: total }];
  const line = (qty: number, manualPrice?: { price: number; managerId: string }) => ({ brandId: 'north-thread', sku: SKU, qty, ...(manualPrice ? { manualPrice } : {}) });
  const totalOf = (qty: number) => priceItems([line(qty)], config, product, START + 60_000).totals.total;
  const make = (t: ReturnType<typeof till>) => {
    const r = buildCheckout({ cart: { lines: [line(1)] }, payments: paid(totalOf(1)), cashierId: 'ana', now: START + 60_000 }, t.ctx);
    // Copies, so a test can tamper with them as an attacker would with the bytes.
    return { sale: JSON.parse(JSON.stringify(r.sales[0]!)) as Sale, entries: JSON.parse(JSON.stringify(r.entries.get('north-thread')!)) as LedgerEntry[] };
  };

  it('accepts what the till’s checkout makes; the till itself refuses a ghost override and a cashier’s price change', () => {
    const t = till();
    const m = make(t);
    expect(() => judge(m.sale, m.entries)).not.toThrow();
    expect(() => buildCheckout({ cart: { lines: [line(6)] }, payments: paid(totalOf(6)), cashierId: 'ana', now: START + 60_000, override: { managerId: 'ghost', reason: 'x' } }, t.ctx)).toThrow(EntryRuleError);
    const list = product('north-thread', SKU)!.price;
    expect(() => buildCheckout({ cart: { lines: [line(1, { price: list, managerId: 'ana' })] }, payments: paid(list), cashierId: 'ana', now: START + 60_000 }, t.ctx)).toThrow(SaleRuleError);
  });

  it('refuses a wrong receipt prefix, a mismatched entry, a missing entry, a wrong price and an amount beyond the bound', () => {
    const t = till();
    let m = make(t);
    expect(() => judge(m.sale, m.entries, 'T2')).toThrow(/not under t1's prefix T2/);
    m = make(t);
    m.entries[0]!.qty = 2;
    expect(() => judge(m.sale, m.entries)).toThrow(/does not match its entry/);
    m = make(t);
    expect(() => judge(m.sale, [])).toThrow(/not in the ledger/);
    m = make(t);
    m.sale.lines[0]!.unitPrice -= 1;
    expect(() => judge(m.sale, m.entries)).toThrow(/at the sale's time/);
    m = make(t);
    m.sale.total = m.sale.net = MAX_SALE_MINOR + 1;
    expect(() => judge(m.sale, m.entries)).toThrow(/beyond 10000000000/);
  });

  it('refuses unknown fields in a stored sale, its lines and its payments', () => {
    expect(() => checkSaleFields({ id: 's', junk: 1 })).toThrow(/sale: unknown field "junk"/);
    expect(() => checkSaleFields({ id: 's', lines: [{ sku: 'A', x: 1 }] })).toThrow(/sale line 1: unknown field "x"/);
    expect(() => checkSaleFields({ id: 's', payments: [{ method: 'cash', y: 1 }] })).toThrow(/sale payment 1: unknown field "y"/);
  });
});
