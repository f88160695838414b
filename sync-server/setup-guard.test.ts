import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeValue } from '../core/event/schema.ts';
import type { Claims } from './auth.ts';
import { updateOf } from './test-support.ts';
import { guardUpdate } from './update-guard.ts';

/** What the server accepts in a setup document over sync for creators and thresholds. */
const organiser: Claims = { role: 'organiser', eventId: 'summer', label: 'o', createdAt: 0 };
const ref = { eventId: 'summer', kind: 'setup' as const };
const send = (write: (doc: Y.Doc) => void) => guardUpdate(updateOf(new Y.Doc(), write), { doc: new Y.Doc(), ref, claims: organiser });

describe('setup document guard', () => {
  it('accepts a threshold stored under its own <location>/<sku> key and refuses one under another', () => {
    const t = { locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 5, safetyStock: 1 };
    expect(send((doc) => doc.getMap('thresholds').set('booth-a/NT-CAP', encodeValue(t)))).toEqual({ ok: true, entries: [] });
    expect(send((doc) => doc.getMap('thresholds').set('booth-b/NT-CAP', encodeValue(t)))).toEqual({ ok: false, reason: 'thresholds/booth-b/NT-CAP holds booth-a/NT-CAP' });
  });

  it('refuses creators over sync: only the HTTP API keeps their codes unique on the server', () => {
    const result = send((doc) => doc.getMap('creators').set('lena', encodeValue({ code: 'lena', name: 'Lena' })));
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^creators are set through the HTTP API/) });
  });
});

/**
 * The admin (and a LAN hub's bridge, which brings in the upstream organiser's edits as admin) may overwrite
 * set-up values and catalog entries, but never an append-only record. Regression: a hub relaying an event
 * whose config had been edited once was refused ("the update overwrites an existing value").
 */
describe('admin overwrites', () => {
  const admin: Claims = { role: 'admin', label: 'a', createdAt: 0 };
  /** A server document holding `base`, and the update a client that also made `edit` sends. */
  function edited(base: (doc: Y.Doc) => void, edit: (doc: Y.Doc) => void) {
    const server = new Y.Doc();
    base(server);
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
    const before = Y.encodeStateVector(client);
    edit(client);
    return { server, update: Y.encodeStateAsUpdate(client, before) };
  }

  it('accepts an admin overwriting a set-up value, and still refuses an organiser doing it over sync', () => {
    const { server, update } = edited(
      (d) => d.getMap('brands').set('nt', encodeValue({ id: 'nt', name: 'North', commissionBp: 1000, boothFee: 0 })),
      (d) => d.getMap('brands').set('nt', encodeValue({ id: 'nt', name: 'North Thread', commissionBp: 1500, boothFee: 0 })),
    );
    expect(guardUpdate(update, { doc: server, ref, claims: admin })).toEqual({ ok: true, entries: [] });
    expect(guardUpdate(update, { doc: server, ref, claims: organiser })).toMatchObject({ ok: false });
  });

  it('accepts an admin replacing a product in a brand document, and refuses it overwriting a sale', () => {
    const brandRef = { eventId: 'summer', kind: 'brand' as const, brandId: 'nt' };
    const product = edited(
      (d) => d.getMap('products').set('NT-CAP', encodeValue({ sku: 'NT-CAP', price: 2500 })),
      (d) => d.getMap('products').set('NT-CAP', encodeValue({ sku: 'NT-CAP', price: 2600 })),
    );
    expect(guardUpdate(product.update, { doc: product.server, ref: brandRef, claims: admin })).toEqual({ ok: true, entries: [] });
    const sale = edited(
      (d) => d.getMap('sales').set('s1', encodeValue({ id: 's1', total: 100 })),
      (d) => d.getMap('sales').set('s1', encodeValue({ id: 's1', total: 1 })),
    );
    expect(guardUpdate(sale.update, { doc: sale.server, ref: brandRef, claims: admin })).toEqual({ ok: false, reason: 'sales/s1 overwritten: append-only records are never changed' });
  });
});
