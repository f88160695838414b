import { describe, expect, it } from 'vitest';
import { duplicateBarcodes, parseProduct } from '../catalog/catalog.ts';
import { DEMO_BRANDS, DEMO_PRODUCTS, demoConfig, ean13 } from './demo-event.ts';
import { creatorKey, locationOfFor, ownerOfFor, parseCreator, parseEventConfig, parseLocation, parseThreshold, parseTill, publicPolicies, thresholdMap, thresholdOverride, thresholdsAt } from './event.ts';
import { SERVER_WRITER } from '../ledger/holders.ts';

const till = { id: 't1', name: 'Till 1', deviceId: 'T1DEV0000001', locationId: 'booth-a', brandIds: ['acme'], receiptPrefix: 'T1' };

describe('event set-up', () => {
  it('accepts the demo event and refuses an unknown time zone or currency code', () => {
    const config = demoConfig(0);
    expect(parseEventConfig(config)).toEqual(config);
    expect(() => parseEventConfig({ ...config, timeZone: 'Mars/Olympus' })).toThrow(/IANA time zone/);
    expect(() => parseEventConfig({ ...config, currency: 'euro' })).toThrow(/currency/);
  });

  it('gives each till’s holder to its device and the reserve, hubs and online channel to the server', () => {
    const ownerOf = ownerOfFor([parseTill(till)]);
    expect(ownerOf('till:t1')).toBe('T1DEV0000001');
    expect(ownerOf('till:t2')).toBeUndefined();
    expect(ownerOf('reserve')).toBe(SERVER_WRITER);
    expect(ownerOf('hub:north')).toBe(SERVER_WRITER);
    expect(locationOfFor([till])('till:t1')).toBe('booth-a');
  });

  it('refuses a till whose device id is not one, and coordinates off the globe', () => {
    expect(() => parseTill({ ...till, deviceId: 'ILLEGAL-ID' })).toThrow(/device id/);
    expect(() => parseLocation({ id: 'hub', kind: 'hub', name: 'Hub', lat: 123 })).toThrow(/lat/);
  });
});

describe('policies, drop page, creators and thresholds', () => {
  it('loads an event stored before warranty, pick-up and drop page existed, with empty texts and no page', () => {
    const config = demoConfig(0);
    const { warrantyText: _w, pickupText: _p, ...oldPolicies } = config.policies;
    const old = parseEventConfig({ ...config, policies: oldPolicies });
    expect(old.policies).toEqual({ ...oldPolicies, warrantyText: '', pickupText: '' });
    expect('dropUrl' in old).toBe(false);
  });

  it('keeps a drop page that is an http(s) address and refuses anything else, naming the field', () => {
    const config = demoConfig(0);
    expect(parseEventConfig({ ...config, dropUrl: 'https://drop.example.com/summer?x=1' }).dropUrl).toBe('https://drop.example.com/summer?x=1');
    for (const bad of ['javascript:alert(1)', 'ftp://x.example', 'https://', 'https://a b.example']) {
      expect(() => parseEventConfig({ ...config, dropUrl: bad })).toThrow(/^dropUrl: /);
    }
    expect(() => parseEventConfig({ ...config, policies: { ...config.policies, warrantyText: 42 } })).toThrow(/^warrantyText: /);
  });

  it('publishes returns, warranty and pick-up but not the pre-authorised defect limit', () => {
    const config = { ...demoConfig(0), dropUrl: 'https://drop.example.com' };
    const pub = publicPolicies(config);
    expect(pub).toEqual({
      eventId: config.id,
      eventName: config.name,
      returnsDays: 14,
      returnsText: config.policies.returnsText,
      warrantyText: config.policies.warrantyText,
      pickupText: config.policies.pickupText,
      dropUrl: 'https://drop.example.com',
    });
    expect(JSON.stringify(pub)).not.toContain(String(config.policies.defectRefundLimit));
  });

  it('checks creator codes and compares them ignoring case', () => {
    expect(parseCreator({ code: 'Lena_K-24', name: 'Lena K', url: 'https://lena.example/drop' })).toEqual({ code: 'Lena_K-24', name: 'Lena K', url: 'https://lena.example/drop' });
    expect(creatorKey(' LENA_k-24 ')).toBe('lena_k-24');
    for (const code of ['x', '-lead', 'has space', 'a'.repeat(33), 'émile']) expect(() => parseCreator({ code, name: 'N' })).toThrow(/^code: /);
    expect(() => parseCreator({ code: 'ok12', name: 'N', url: 'mailto:x@y' })).toThrow(/^url: /);
    expect(() => parseCreator({ code: 'ok12' })).toThrow(/^name: /);
  });

  it('uses a location’s threshold override for a SKU, and the product’s own elsewhere', () => {
    const t = parseThreshold({ locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 8, safetyStock: 2 });
    const overrides = new Map([['booth-a/NT-CAP', t]]);
    const cap = { sku: 'NT-CAP', lowStockThreshold: 3, safetyStock: 1 };
    expect(thresholdsAt(cap, 'booth-a', overrides)).toEqual({ lowStockThreshold: 8, safetyStock: 2 });
    expect(thresholdsAt(cap, 'booth-b', overrides)).toEqual({ lowStockThreshold: 3, safetyStock: 1 });
    expect(thresholdsAt(cap, undefined, overrides)).toEqual({ lowStockThreshold: 3, safetyStock: 1 });
    expect(() => parseThreshold({ locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: -1, safetyStock: 0 })).toThrow(/^lowStockThreshold: /);
    // The same overrides built from the setup's list, and as the lookup the alert and rebalancing rules take.
    expect(thresholdMap([t])).toEqual(overrides);
    expect(thresholdOverride([t])(cap, 'booth-a')).toEqual(t);
    expect(thresholdOverride([t])(cap, 'booth-b')).toBeUndefined();
  });
});

describe('demo event', () => {
  it('has valid products with unique, check-digit-correct EAN-13 barcodes across three brands', () => {
    expect(DEMO_PRODUCTS.length).toBeGreaterThanOrEqual(28);
    for (const p of DEMO_PRODUCTS) expect(parseProduct(p)).toEqual(p);
    expect(duplicateBarcodes(DEMO_PRODUCTS).size).toBe(0);
    expect(ean13('400638133393')).toBe('4006381333931');
    expect(new Set(DEMO_PRODUCTS.map((p) => p.brandId))).toEqual(new Set(DEMO_BRANDS.map((b) => b.id)));
  });
});
