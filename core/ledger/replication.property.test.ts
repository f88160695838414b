import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ownerOfFor, type Till } from '../event/event.ts';
import { HybridClock } from '../base/hlc.ts';
import { ONLINE, RESERVE, SERVER_WRITER, tillHolder, type HolderId } from './holders.ts';
import { newId } from '../base/ids.ts';
import { InsufficientRightsError, LedgerWriter } from './rights.ts';
import type { Sale } from '../selling/sale.ts';
import { BrandDoc } from '../event/schema.ts';
import { conservationHolds, StockView } from './stock-view.ts';

/**
 * Random operations on N replicas — sales, refunds, transfers, receipts, write-offs, count adjustments and
 * manager overrides — with their Yjs updates delivered in random order, duplicated and delayed. After all
 * updates are delivered, every replica must hold the same state, no holder may be below zero unless a
 * manager override records it, units are conserved, and every confirmed sale exists exactly once.
 */
const SKUS = ['TEE-M', 'TEE-L', 'CAP'];
const TILLS: Till[] = [1, 2, 3].map((n) => ({
  id: `t${n}`,
  name: `Till ${n}`,
  deviceId: `DEVDEV00000${n}`,
  locationId: 'booth-a',
  brandIds: ['acme'],
  receiptPrefix: `T${n}`,
}));
const ownerOf = ownerOfFor(TILLS);
const ALL_HOLDERS: HolderId[] = [RESERVE, ONLINE, 'hub:north', ...TILLS.map((t) => tillHolder(t.id))];

interface Replica {
  device: string;
  owns: HolderId[];
  brand: BrandDoc;
  view: StockView;
  writer: LedgerWriter;
  clock: HybridClock;
  /** Updates not yet delivered to this replica, from others. */
  inbox: Uint8Array[];
  sales: Sale[];
}

function makeReplica(device: string, owns: HolderId[], clientId: number, now: () => number): Replica {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const brand = new BrandDoc(doc);
  const view = new StockView();
  brand.onLedger((added, invalid) => {
    if (invalid.length) throw new Error(`invalid entries: ${JSON.stringify(invalid)}`);
    for (const e of added) view.add(e);
  });
  const clock = new HybridClock(device, { now });
  return { device, owns, brand, view, clock, writer: new LedgerWriter(device, clock, view, ownerOf), inbox: [], sales: [] };
}

type Op =
  | { t: 'receive'; sku: number; qty: number }
  | { t: 'transfer'; r: number; from: number; to: number; sku: number; qty: number }
  | { t: 'sale'; r: number; sku: number; qty: number; override: boolean }
  | { t: 'refund'; r: number; pick: number; restock: boolean }
  | { t: 'writeoff'; r: number; sku: number; qty: number }
  | { t: 'adjust'; r: number; sku: number; delta: number }
  | { t: 'deliver'; r: number; pick: number; duplicate: boolean }
  | { t: 'tick'; ms: number };

const R = 4; // replica 0 is the server; 1..3 are tills
// Weighted so that stock flows: receipts and transfers feed the tills, most messages get delivered, and
// sales and refunds are frequent; overrides are rare, as in a real booth.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constant('receive' as const), sku: fc.nat(SKUS.length - 1), qty: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('transfer' as const), r: fc.nat(R - 1), from: fc.nat(10), to: fc.nat(ALL_HOLDERS.length - 1), sku: fc.nat(SKUS.length - 1), qty: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('sale' as const), r: fc.integer({ min: 1, max: R - 1 }), sku: fc.nat(SKUS.length - 1), qty: fc.integer({ min: 1, max: 4 }), override: fc.nat(4).map((n) => n === 0) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('refund' as const), r: fc.integer({ min: 1, max: R - 1 }), pick: fc.nat(100), restock: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('writeoff' as const), r: fc.nat(R - 1), sku: fc.nat(SKUS.length - 1), qty: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('adjust' as const), r: fc.nat(R - 1), sku: fc.nat(SKUS.length - 1), delta: fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0) }) },
  { weight: 10, arbitrary: fc.record({ t: fc.constant('deliver' as const), r: fc.nat(R - 1), pick: fc.nat(1000), duplicate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 5000 }) }) },
);

function run(ops: Op[]) {
  let now = 1_760_000_000_000;
  const replicas: Replica[] = [
    makeReplica(SERVER_WRITER, [RESERVE, ONLINE, 'hub:north'], 1000, () => now),
    ...TILLS.map((t, i) => makeReplica(t.deviceId, [tillHolder(t.id)], 2000 + i, () => now)),
  ];
  // Every local update goes to every other replica's inbox: the network, to be delivered in any order.
  replicas.forEach((src, i) =>
    src.brand.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === 'remote') return;
      replicas.forEach((dst, j) => j !== i && dst.inbox.push(u));
    }),
  );
  const confirmed = new Map<string, { sku: string; qty: number; holder: HolderId }>();
  const refundsOf = new Map<string, number>();
  let rejected = 0;

  for (const op of ops) {
    try {
      switch (op.t) {
        case 'tick':
          now += op.ms;
          break;
        case 'receive': {
          const server = replicas[0]!;
          const b = server.writer.batch();
          b.receive(RESERVE, SKUS[op.sku]!, op.qty, 'delivery-note');
          server.brand.appendEntries(b.entries);
          break;
        }
        case 'transfer': {
          const rep = replicas[op.r]!;
          const from = rep.owns[op.from % rep.owns.length]!;
          const to = ALL_HOLDERS[op.to]!;
          // A giver moves what it holds: transfers are sized to the giver's rights, as the console does.
          const qty = Math.min(op.qty, rep.view.rights(from, SKUS[op.sku]!));
          if (from === to || qty <= 0) break;
          const b = rep.writer.batch();
          b.transfer(from, to, SKUS[op.sku]!, qty);
          rep.brand.appendEntries(b.entries);
          break;
        }
        case 'sale': {
          const rep = replicas[op.r]!;
          const holder = rep.owns[0]!;
          const sku = SKUS[op.sku]!;
          const saleId = newId('s', rep.clock);
          const b = rep.writer.batch();
          const entry = b.sale(holder, sku, op.qty, saleId, op.override ? { managerId: 'mgr', reason: 'customer waiting' } : undefined);
          const sale = saleRecord(saleId, rep, holder, sku, op.qty, entry.id, now);
          rep.brand.appendSale(sale, b.entries);
          rep.sales.push(sale);
          confirmed.set(saleId, { sku, qty: op.qty, holder });
          break;
        }
        case 'refund': {
          const rep = replicas[op.r]!;
          if (rep.sales.length === 0) break;
          const sale = rep.sales[op.pick % rep.sales.length]!;
          const line = sale.lines[0]!;
          if ((refundsOf.get(sale.id) ?? 0) >= line.qty) break;
          refundsOf.set(sale.id, (refundsOf.get(sale.id) ?? 0) + 1);
          const b = rep.writer.batch();
          b.refund(sale.holder, line.sku, 1, newId('r', rep.clock), op.restock ? 'restock' : 'quarantine');
          rep.brand.appendEntries(b.entries);
          break;
        }
        case 'writeoff': {
          const rep = replicas[op.r]!;
          const b = rep.writer.batch();
          b.writeOff(rep.owns[0]!, SKUS[op.sku]!, op.qty, 'damaged', op.qty % 2 === 0);
          rep.brand.appendEntries(b.entries);
          break;
        }
        case 'adjust': {
          const rep = replicas[op.r]!;
          const b = rep.writer.batch();
          b.adjust(rep.owns[0]!, SKUS[op.sku]!, op.delta, 'recount');
          rep.brand.appendEntries(b.entries);
          break;
        }
        case 'deliver': {
          const rep = replicas[op.r]!;
          if (rep.inbox.length === 0) break;
          const k = op.pick % rep.inbox.length;
          const u = rep.inbox[k]!;
          // A duplicated message stays in the inbox and arrives again later.
          if (!op.duplicate) rep.inbox.splice(k, 1);
          Y.applyUpdate(rep.brand.doc, u, 'remote');
          break;
        }
      }
    } catch (err) {
      if (!(err instanceof InsufficientRightsError)) throw err;
      rejected++;
    }
    // The owner's own view of its holders is always complete: it never sees itself below zero without an override.
    for (const rep of replicas) for (const h of rep.owns) assertNoUncoveredDeficit(rep.view, h);
  }

  // Deliver everything still in flight, in reverse order (worst case for causality), then twice more.
  for (const rep of replicas) for (const u of rep.inbox.reverse()) Y.applyUpdate(rep.brand.doc, u, 'remote');
  for (const a of replicas) for (const b of replicas) if (a !== b) Y.applyUpdate(b.brand.doc, Y.encodeStateAsUpdate(a.brand.doc), 'remote');
  return { replicas, confirmed, rejected };
}

function saleRecord(id: string, rep: Replica, holder: HolderId, sku: string, qty: number, entryId: string, now: number): Sale {
  const gross = 1000 * qty;
  return {
    id,
    receiptNumber: `T-${id.slice(-6)}`,
    at: id.slice(2),
    wallTime: now,
    writer: rep.device,
    eventId: 'ev',
    brandId: 'acme',
    tillId: holder.slice(5),
    holder,
    checkoutId: id,
    cashierId: 'c1',
    lines: [{ sku, name: sku, qty, listPrice: 1000, unitPrice: 1000, tierId: null, taxRateBp: 2000, net: gross - 167 * qty, tax: 167 * qty, gross, entryId }],
    payments: [{ method: 'cash', amount: gross }],
    discount: 0,
    net: gross - 167 * qty,
    tax: 167 * qty,
    total: gross,
  };
}

/** Every top-level map by name: Y.Doc#toJSON shows only the types this replica has opened itself. */
function snapshot(rep: Replica): Record<string, unknown> {
  return Object.fromEntries(['ledger', 'sales', 'refunds', 'requests', 'products'].map((n) => [n, rep.brand.doc.getMap(n).toJSON()]));
}

/** JSON with object keys sorted: Y.Map iteration order is insertion order, which differs per replica. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : 1))) : val,
  );
}

function assertNoUncoveredDeficit(view: StockView, holder: HolderId) {
  for (const [sku, b] of view.byHolder(holder)) {
    if (b.quarantined < 0) throw new Error(`${holder} quarantine of ${sku} is ${b.quarantined}`);
    if (b.sellable >= 0) continue;
    const covered = view
      .overrides()
      .filter((e) => e.from === holder && e.sku === sku)
      .reduce((a, e) => a + e.override!.shortfall, 0);
    if (-b.sellable > covered) throw new Error(`${holder} is at ${b.sellable} of ${sku} with only ${covered} overridden`);
  }
}

describe('replicated ledger', () => {
  it('converges to one state, never oversells without an override, conserves units and counts each sale once', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 20, maxLength: 250, size: 'max' }), (ops) => {
        const { replicas, confirmed } = run(ops);
        const reference = replicas[0]!;
        const refState = canonical(snapshot(reference));
        for (const rep of replicas) {
          expect(canonical(snapshot(rep))).toBe(refState);
          expect(rep.view.size).toBe(reference.brand.ledger().items.length);
          for (const h of ALL_HOLDERS) assertNoUncoveredDeficit(rep.view, h);
          for (const sku of SKUS) expect(conservationHolds(rep.view, sku)).toBe(true);
          // Each confirmed sale exists exactly once, with exactly its units taken from its holder.
          const sales = rep.brand.sales();
          expect(sales.invalid).toEqual([]);
          expect(sales.items.length).toBe(confirmed.size);
          const ledger = rep.brand.ledger().items;
          for (const [saleId, want] of confirmed) {
            const entries = ledger.filter((e) => e.kind === 'sale' && e.ref === saleId);
            expect(entries.map((e) => [e.sku, e.qty, e.from])).toEqual([[want.sku, want.qty, want.holder]]);
          }
          const soldBySku = new Map<string, number>();
          for (const s of confirmed.values()) soldBySku.set(s.sku, (soldBySku.get(s.sku) ?? 0) + s.qty);
          for (const sku of SKUS) expect(rep.view.skuTotals(sku).sold).toBe(soldBySku.get(sku) ?? 0);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a sale beyond the till’s rights when no manager overrides it', () => {
    const { replicas, rejected } = run([
      { t: 'receive', sku: 0, qty: 2 },
      { t: 'transfer', r: 0, from: 0, to: 3, sku: 0, qty: 2 }, // reserve → till:t1
      { t: 'deliver', r: 1, pick: 0, duplicate: false },
      { t: 'deliver', r: 1, pick: 0, duplicate: false },
      { t: 'sale', r: 1, sku: 0, qty: 3, override: false },
      { t: 'sale', r: 1, sku: 0, qty: 2, override: false },
      { t: 'sale', r: 1, sku: 0, qty: 1, override: false },
    ]);
    expect(rejected).toBe(2);
    expect(replicas[2]!.view.rights('till:t1', 'TEE-M')).toBe(0);
    expect(replicas[2]!.view.skuTotals('TEE-M').sold).toBe(2);
  });

  it('records a manager override as an oversell exception with its shortfall', () => {
    const { replicas } = run([{ t: 'sale', r: 1, sku: 1, qty: 2, override: true }]);
    const overrides = replicas[0]!.view.overrides();
    expect(overrides).toHaveLength(1);
    expect(overrides[0]!.override).toMatchObject({ managerId: 'mgr', shortfall: 2 });
    expect(replicas[0]!.view.negativeBalances()).toEqual([{ holder: 'till:t1', sku: 'TEE-L', sellable: -2 }]);
  });
});
