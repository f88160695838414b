import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeValue } from '../core/schema.ts';
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
