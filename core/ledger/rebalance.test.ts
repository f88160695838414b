import { describe, expect, it } from 'vitest';
import type { Product } from '../catalog/catalog.ts';
import { parseCsv } from '../base/csv.ts';
import { DEMO_PRODUCTS } from '../event/demo-event.ts';
import type { Location, Till } from '../event/event.ts';
import { HybridClock } from '../base/hlc.ts';
import { hubHolder, ONLINE, RESERVE, tillHolder } from './holders.ts';
import { newId } from '../base/ids.ts';
import { distanceKm, pickLists, pickListCsv, pickListText, suggestRebalance, transferRequests } from './rebalance.ts';
import { StockView } from './stock-view.ts';

// Three hubs around Paris: Louvre (north), Montparnasse (south), and one with no coordinates.
const locations: Location[] = [
  { id: 'booth-a', kind: 'booth', name: 'Booth A', lat: 48.8606, lon: 2.3376 },
  { id: 'booth-b', kind: 'booth', name: 'Booth B', lat: 48.8412, lon: 2.3210 },
  { id: 'hub-north', kind: 'hub', name: 'North hub', lat: 48.8620, lon: 2.3360 },
  { id: 'hub-south', kind: 'hub', name: 'South hub', lat: 48.8420, lon: 2.3200 },
  { id: 'hub-nowhere', kind: 'hub', name: 'Hub without coordinates' },
  { id: 'central', kind: 'reserve', name: 'Central reserve' },
  { id: 'web', kind: 'online', name: 'Online' },
];
const tills: Till[] = [
  { id: 't1', name: 'Till 1', deviceId: 'T1DEV0000001', locationId: 'booth-a', brandIds: ['north-thread'], receiptPrefix: 'T1' },
  { id: 't2', name: 'Till 2', deviceId: 'T2DEV0000002', locationId: 'booth-b', brandIds: ['north-thread'], receiptPrefix: 'T2' },
];
// Low-stock threshold 3 → refilled to 6; safety stock 1.
const CAP: Product = DEMO_PRODUCTS.find((p) => p.sku === 'NT-CAP')!;
const products = [CAP];

function view(rows: [string, number][], sku = 'NT-CAP'): StockView {
  const clock = new HybridClock('SERVER000000', { now: () => 1_800_000_000_000 });
  const v = new StockView();
  for (const [holder, qty] of rows) v.add({ id: newId('e', clock), at: '', writer: 'SERVER000000', kind: 'receive', sku, qty, to: holder });
  return v;
}

describe('rebalancing suggestions', () => {
  it('tops up low tills and the online channel from the reserve first, keeping its safety stock', () => {
    const stock = view([[RESERVE, 5], [tillHolder('t1'), 1], [tillHolder('t2'), 9], [ONLINE, 3], [hubHolder('hub-north'), 20]]);
    const { moves, shortfalls } = suggestRebalance({ brandId: 'north-thread', products, tills, locations, stock });
    // t1 has 1 (most urgent): 5 from the reserve's 4 spare… then the rest from the hub; online needs 3.
    expect(moves.map((m) => [m.from, m.to, m.qty])).toEqual([
      [RESERVE, tillHolder('t1'), 4],
      [hubHolder('hub-north'), tillHolder('t1'), 1],
      [hubHolder('hub-north'), ONLINE, 3],
    ]);
    expect(moves[0]).toMatchObject({ fromLocationId: 'central', toLocationId: 'booth-a' });
    expect(shortfalls).toEqual([]);
  });

  it('takes from the nearest hub when coordinates exist, hubs without them last', () => {
    const stock = view([[tillHolder('t2'), 0], [hubHolder('hub-north'), 20], [hubHolder('hub-south'), 20], [hubHolder('hub-nowhere'), 20]]);
    const { moves } = suggestRebalance({ brandId: 'north-thread', products, tills, locations, stock });
    // Till 2 is at booth B, next to the south hub; till 1 (booth A, no stock row) next to the north hub.
    const t2 = moves.filter((m) => m.to === tillHolder('t2'));
    expect(t2.map((m) => [m.from, m.qty])).toEqual([[hubHolder('hub-south'), 6]]);
    expect(t2[0]!.distanceKm).toBeLessThan(0.5);
    const t1 = moves.filter((m) => m.to === tillHolder('t1'));
    expect(t1.map((m) => m.from)).toEqual([hubHolder('hub-north')]);
    // The online channel has no coordinates: it is served by hub id order, the coordinate-less hub last.
    expect(moves.filter((m) => m.to === ONLINE).map((m) => [m.from, m.distanceKm])).toEqual([[hubHolder('hub-north'), null]]);
  });

  it('reports what no donor can cover when no location has stock to spare', () => {
    const stock = view([[RESERVE, 1], [hubHolder('hub-north'), 1], [tillHolder('t1'), 0]]);
    const { moves, shortfalls } = suggestRebalance({ brandId: 'north-thread', products, tills, locations, stock });
    expect(moves).toEqual([]);
    expect(shortfalls).toEqual([
      { brandId: 'north-thread', sku: 'NT-CAP', holder: ONLINE, missing: 6 },
      { brandId: 'north-thread', sku: 'NT-CAP', holder: tillHolder('t1'), missing: 6 },
      { brandId: 'north-thread', sku: 'NT-CAP', holder: tillHolder('t2'), missing: 6 },
    ]);
  });

  it('honours per-location thresholds and a custom refill level', () => {
    const stock = view([[RESERVE, 50], [tillHolder('t1'), 5], [tillHolder('t2'), 5], [ONLINE, 50]]);
    const { moves } = suggestRebalance({
      brandId: 'north-thread', products, tills, locations, stock,
      thresholdFor: (_p, loc) => (loc === 'booth-a' ? { lowStockThreshold: 8, safetyStock: 1 } : undefined),
      refillTo: () => 12,
    });
    expect(moves.map((m) => [m.to, m.qty])).toEqual([[tillHolder('t1'), 7]]);
  });

  it('measures great-circle distance (Paris–London ≈ 344 km)', () => {
    expect(distanceKm({ lat: 48.8566, lon: 2.3522 }, { lat: 51.5074, lon: -0.1278 })).toBeCloseTo(343.6, 0);
  });
});

describe('pick lists and transfers', () => {
  const stock = view([[RESERVE, 30], [hubHolder('hub-north'), 10], [tillHolder('t1'), 0], [tillHolder('t2'), 2], [ONLINE, 0]]);
  const { moves } = suggestRebalance({ brandId: 'north-thread', products, tills, locations, stock });

  it('groups the moves by the location they are taken from, sorted by destination', () => {
    const lists = pickLists(moves, { products, locations, tills });
    expect(lists.map((l) => l.fromName)).toEqual(['Central reserve']);
    expect(lists[0]!.lines.map((l) => [l.toName, l.qty])).toEqual([
      ['Booth A (Till 1)', 6],
      ['Booth B (Till 2)', 4],
      ['Online', 6],
    ]);
    expect(lists[0]!.units).toBe(16);
    const csv = parseCsv(pickListCsv(lists)).map((r) => r.fields);
    expect(csv).toHaveLength(4);
    expect(csv[1]).toEqual(['central', 'Central reserve', 'booth-a', 'Booth A (Till 1)', 'till:t1', 'north-thread', 'NT-CAP', 'Five-panel Cap', '6']);
    expect(pickListText(lists)).toContain('[ ]    6 × NT-CAP');
  });

  it('turns the moves into one transfer request per pair of holders', () => {
    const reqs = transferRequests(moves);
    expect(reqs.map((r) => `${r.from}>${r.to}`)).toEqual(['reserve>online', 'reserve>till:t1', 'reserve>till:t2']);
    expect(reqs[1]!.lines).toEqual([{ brandId: 'north-thread', sku: 'NT-CAP', qty: 6 }]);
  });
});
