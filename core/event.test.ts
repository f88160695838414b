import { describe, expect, it } from 'vitest';
import { duplicateBarcodes, parseProduct } from './catalog.ts';
import { DEMO_BRANDS, DEMO_PRODUCTS, demoConfig, ean13 } from './demo-event.ts';
import { locationOfFor, ownerOfFor, parseEventConfig, parseLocation, parseTill } from './event.ts';
import { SERVER_WRITER } from './holders.ts';

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

describe('demo event', () => {
  it('has valid products with unique, check-digit-correct EAN-13 barcodes across three brands', () => {
    expect(DEMO_PRODUCTS.length).toBeGreaterThanOrEqual(28);
    for (const p of DEMO_PRODUCTS) expect(parseProduct(p)).toEqual(p);
    expect(duplicateBarcodes(DEMO_PRODUCTS).size).toBe(0);
    expect(ean13('400638133393')).toBe('4006381333931');
    expect(new Set(DEMO_PRODUCTS.map((p) => p.brandId))).toEqual(new Set(DEMO_BRANDS.map((b) => b.id)));
  });
});
