import { describe, expect, it } from 'vitest';
import type { Location } from '../event/event.ts';
import {
  fulfilmentSources,
  greatCircleKm,
  maxFromOneSource,
  rankSources,
  routeOrder,
  routeRefusal,
  totalFromSources,
  type SourceStock,
} from './routing.ts';

// Paris landmarks, and Lyon for a far-away hub.
const LOCATIONS: Location[] = [
  { id: 'booth-a', kind: 'booth', name: 'Booth A', lat: 48.86, lon: 2.35 },
  { id: 'reserve', kind: 'reserve', name: 'Reserve', lat: 48.86, lon: 2.35 },
  { id: 'online', kind: 'online', name: 'Online drop' },
  { id: 'hub-central', kind: 'hub', name: 'Central', lat: 48.8686, lon: 2.3314 },
  { id: 'hub-east', kind: 'hub', name: 'East', lat: 48.861, lon: 2.443 },
  { id: 'hub-lyon', kind: 'hub', name: 'Lyon', lat: 45.764, lon: 4.8357 },
  { id: 'pickup-batignolles', kind: 'pickup', name: 'Batignolles café', lat: 48.8839, lon: 2.3216 },
  { id: 'hub-nowhere', kind: 'hub', name: 'No coordinates' },
];
const sources = fulfilmentSources(LOCATIONS);
const MONTREUIL = { lat: 48.8638, lon: 2.4485 };

/** Stock from a table: holder → "brand/sku" → units. */
const table =
  (t: Record<string, Record<string, number>>): SourceStock =>
  (holder, brandId, sku) =>
    t[holder]?.[`${brandId}/${sku}`] ?? 0;

describe('great-circle distance', () => {
  it('matches known distances', () => {
    // Paris (Notre-Dame) to Lyon (Bellecour): about 392 km as the crow flies.
    expect(greatCircleKm({ lat: 48.853, lon: 2.3499 }, { lat: 45.7578, lon: 4.832 })).toBeCloseTo(392, -1);
    expect(greatCircleKm(MONTREUIL, MONTREUIL)).toBe(0);
    // A quarter of the equator, and antipodes (no NaN from rounding).
    expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 90 })).toBeCloseTo((Math.PI / 2) * 6371.0088, 6);
    expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * 6371.0088, 6);
  });
});

describe('fulfilment sources', () => {
  it('are the online allocation at the online location, and the hubs and pick-up points; never booths or the reserve', () => {
    expect(sources.map((s) => [s.holder, s.locationId])).toEqual([
      ['online', 'online'],
      ['hub:hub-central', 'hub-central'],
      ['hub:hub-east', 'hub-east'],
      ['hub:hub-lyon', 'hub-lyon'],
      ['hub:pickup-batignolles', 'pickup-batignolles'],
      ['hub:hub-nowhere', 'hub-nowhere'],
    ]);
    expect(sources[0]!.point).toBeUndefined();
    expect(sources[1]!.point).toEqual({ lat: 48.8686, lon: 2.3314 });
    // An event without an online location still sells its online allocation.
    expect(fulfilmentSources([])).toEqual([{ holder: 'online', locationId: 'online', name: 'Online' }]);
  });

  it('rank nearest first, sources without coordinates last, ties broken by online first then id', () => {
    expect(rankSources(sources, MONTREUIL).map((s) => s.locationId)).toEqual(['hub-east', 'hub-central', 'pickup-batignolles', 'hub-lyon', 'online', 'hub-nowhere']);
    expect(rankSources(sources).map((s) => s.locationId)).toEqual(['online', 'hub-central', 'hub-east', 'hub-lyon', 'hub-nowhere', 'pickup-batignolles']);
    const twins = fulfilmentSources([
      { id: 'hub-b', kind: 'hub', name: 'B', lat: 1, lon: 1 },
      { id: 'hub-a', kind: 'hub', name: 'A', lat: 1, lon: 1 },
      { id: 'online', kind: 'online', name: 'Online', lat: 1, lon: 1 },
    ]);
    expect(rankSources(twins, { lat: 0, lon: 0 }).map((s) => s.locationId)).toEqual(['online', 'hub-a', 'hub-b']);
  });
});

describe('routing an order', () => {
  const stock = table({
    'hub:hub-east': { 'nt/CAP': 1 },
    'hub:hub-central': { 'nt/CAP': 3, 'nt/TEE': 2 },
    'hub:hub-lyon': { 'nt/CAP': 5, 'nt/TEE': 5, 'mc/MUG': 5 },
    online: { 'nt/CAP': 9, 'nt/TEE': 9 },
  });
  const cap = (qty: number) => ({ brandId: 'nt', sku: 'CAP', qty });
  const tee = (qty: number) => ({ brandId: 'nt', sku: 'TEE', qty });

  it('goes to the nearest location that holds the stock', () => {
    const r = routeOrder([cap(1)], sources, stock, MONTREUIL);
    expect(r).toMatchObject({ ok: true, source: { locationId: 'hub-east', holder: 'hub:hub-east' } });
    if (r.ok) expect(r.source.distanceKm).toBeCloseTo(0.509, 2);
  });

  it('skips a nearer location that lacks some of the units, counting lines of one SKU together', () => {
    expect(routeOrder([cap(2)], sources, stock, MONTREUIL)).toMatchObject({ ok: true, source: { locationId: 'hub-central' } });
    expect(routeOrder([cap(1), cap(1)], sources, stock, MONTREUIL)).toMatchObject({ ok: true, source: { locationId: 'hub-central' } });
    // A hub with all but one SKU of the order is skipped too.
    expect(routeOrder([cap(1), tee(1), { brandId: 'mc', sku: 'MUG', qty: 1 }], sources, stock, MONTREUIL)).toMatchObject({ ok: true, source: { locationId: 'hub-lyon' } });
  });

  it('falls back to the un-located online allocation only when no located source holds the order', () => {
    expect(routeOrder([tee(6)], sources, stock, MONTREUIL)).toMatchObject({ ok: true, source: { locationId: 'online', distanceKm: null } });
  });

  it('with no destination takes the online allocation first', () => {
    expect(routeOrder([cap(1)], sources, stock)).toMatchObject({ ok: true, source: { locationId: 'online', distanceKm: null } });
    expect(routeOrder([{ brandId: 'mc', sku: 'MUG', qty: 1 }], sources, stock)).toMatchObject({ ok: true, source: { locationId: 'hub-lyon' } });
  });

  it('routes a pick-up to the nearest stock to the pick-up point (the point itself when it holds stock)', () => {
    const batignolles = { lat: 48.8839, lon: 2.3216 };
    expect(routeOrder([cap(1)], sources, stock, batignolles)).toMatchObject({ ok: true, source: { locationId: 'hub-central' } });
    const withStock = table({ 'hub:pickup-batignolles': { 'nt/CAP': 1 }, 'hub:hub-central': { 'nt/CAP': 1 } });
    expect(routeOrder([cap(1)], sources, withStock, batignolles)).toMatchObject({ ok: true, source: { locationId: 'pickup-batignolles', distanceKm: 0 } });
  });

  it('refuses when no location has the stock, naming what there is and where', () => {
    const r = routeOrder([cap(1), { brandId: 'mc', sku: 'MUG', qty: 6 }, { brandId: 'mc', sku: 'VASE', qty: 1 }], sources, stock, MONTREUIL);
    expect(r).toEqual({
      ok: false,
      reason: 'short',
      lines: [
        { brandId: 'mc', sku: 'MUG', requested: 6, available: 5, byLocation: { 'hub-lyon': 5 } },
        { brandId: 'mc', sku: 'VASE', requested: 1, available: 0, byLocation: {} },
      ],
    });
    if (!r.ok) expect(routeRefusal(r.reason, r.lines)).toBe('no location has stock for mc/MUG (6 wanted, 5 available: 5 at hub-lyon); mc/VASE (1 wanted, 0 available: none anywhere)');
  });

  it('refuses an order whose units exist only spread over several locations, and says where they are', () => {
    const spread = table({ 'hub:hub-east': { 'nt/CAP': 1 }, 'hub:hub-central': { 'nt/TEE': 1 } });
    const r = routeOrder([cap(1), tee(1)], sources, spread, MONTREUIL);
    expect(r).toMatchObject({ ok: false, reason: 'split' });
    if (!r.ok) {
      expect(r.lines.map((l) => l.byLocation)).toEqual([{ 'hub-east': 1 }, { 'hub-central': 1 }]);
      expect(routeRefusal(r.reason, r.lines)).toMatch(/^no single location has stock for the whole order \(nt\/CAP ×1: 1 at hub-east; nt\/TEE ×1: 1 at hub-central\)/);
    }
    // Two units of one SKU, one at each of two hubs: also a split, not a shortage.
    expect(routeOrder([cap(2)], sources, spread, MONTREUIL)).toMatchObject({ ok: false, reason: 'short' });
    const twoHubs = table({ 'hub:hub-east': { 'nt/CAP': 1 }, 'hub:hub-central': { 'nt/CAP': 1 } });
    expect(routeOrder([cap(2)], sources, twoHubs, MONTREUIL)).toMatchObject({ ok: false, reason: 'split' });
  });

  it('never counts a negative balance (an oversold holder) as stock elsewhere', () => {
    const negative = table({ online: { 'nt/CAP': -2 }, 'hub:hub-east': { 'nt/CAP': 1 } });
    expect(totalFromSources(sources, negative, 'nt', 'CAP')).toBe(1);
    expect(maxFromOneSource(sources, negative, 'nt', 'CAP')).toBe(1);
    expect(routeOrder([cap(1)], sources, negative)).toMatchObject({ ok: true, source: { locationId: 'hub-east' } });
    expect(maxFromOneSource(sources, stock, 'nt', 'CAP')).toBe(9);
    expect(totalFromSources(sources, stock, 'nt', 'CAP')).toBe(18);
  });
});
