import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { VoidRecord } from '../core/reports/audit.ts';
import { HybridClock } from '../core/base/hlc.ts';
import { newId } from '../core/base/ids.ts';
import { encodeValue, TillDoc } from '../core/event/schema.ts';
import { moveCash, openShift, type ShiftEvent } from '../core/event/shift.ts';
import type { Claims } from './auth.ts';
import { updateOf } from './test-support.ts';
import { guardUpdate } from './update-guard.ts';

/**
 * The server's rules for a till document (event/<id>/till/<tillId>): only that till's device appends, only
 * records naming that till and made by that device, parse-valid, and nothing is ever changed or removed.
 */
const EVENT = 'summer';
const DEVICE = 'T1DEV0000001';
const OTHER_DEVICE = 'T2DEV0000002';
const tillClaims: Claims = { role: 'till', eventId: EVENT, tillId: 'till-1', deviceId: DEVICE, brandIds: ['acme'], label: 'Till 1', createdAt: 0 };
const ref = { eventId: EVENT, kind: 'till' as const, tillId: 'till-1' };

function records(device = DEVICE, tillId = 'till-1') {
  const clock = new HybridClock(device, { now: () => 1_700_000_000_000 });
  const open = openShift([], { tillId, cashierId: 'ana', now: 1_700_000_000_000, float: 10_000 }, clock);
  const cashOut = moveCash([open], { tillId, cashierId: 'ana', now: 1_700_000_100_000, kind: 'cash-out', amount: 5_000, reason: 'banking' }, clock);
  const voided: VoidRecord = { id: newId('v', clock), tillId, cashierId: 'ana', wallTime: 1_700_000_050_000, lines: [{ sku: 'NT-CAP', name: 'Cap', qty: 2 }], total: 5_000, reason: 'cart cleared' };
  return { open, cashOut, voided };
}

/** The server's copy (`server`) and the update a client sends after writing `write` on its replica of it. */
function attempt(server: Y.Doc, write: (till: TillDoc, doc: Y.Doc) => void, claims: Claims = tillClaims) {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(server));
  const update = updateOf(replica, (doc) => write(new TillDoc(doc), doc));
  return guardUpdate(update, { doc: server, ref, claims });
}

describe('till document guard', () => {
  it('accepts the till’s own shift events and voids', () => {
    const { open, cashOut, voided } = records();
    const server = new Y.Doc();
    const result = attempt(server, (t) => {
      t.appendShiftEvent(open);
      t.appendShiftEvent(cashOut);
      t.appendVoid(voided);
    });
    expect(result).toEqual({ ok: true, entries: [] });
  });

  it('refuses a writer that is not this till’s device: another till, the organiser, the admin', () => {
    const { open } = records();
    const server = new Y.Doc();
    const write = (t: TillDoc) => t.appendShiftEvent(open);
    expect(attempt(server, write, { ...tillClaims, tillId: 'till-2' })).toEqual({ ok: false, reason: "only till till-1's own device writes its document" });
    expect(attempt(server, write, { role: 'organiser', eventId: EVENT, label: 'o', createdAt: 0 })).toMatchObject({ ok: false });
    expect(attempt(server, write, { role: 'admin', label: 'admin', createdAt: 0 })).toMatchObject({ ok: false });
  });

  it('refuses a record made by another device, even sent on this till’s connection', () => {
    const { voided } = records(OTHER_DEVICE);
    expect(attempt(new Y.Doc(), (t) => t.appendVoid(voided))).toEqual({ ok: false, reason: `voids/${voided.id} was not made by this device (${DEVICE})` });
  });

  it('refuses a record that names another till', () => {
    const { open } = records(DEVICE, 'till-2');
    expect(attempt(new Y.Doc(), (t) => t.appendShiftEvent(open))).toEqual({ ok: false, reason: `shifts/${open.id} names till till-2, not till-1` });
  });

  it('refuses a record stored under another key, an invalid record and a map outside the schema', () => {
    const { open, voided } = records();
    expect(attempt(new Y.Doc(), (_t, doc) => doc.getMap('shifts').set('sh_other', encodeValue(open)))).toEqual({ ok: false, reason: `shifts/sh_other holds ${open.id}` });
    const bad = attempt(new Y.Doc(), (_t, doc) => doc.getMap('voids').set(voided.id, encodeValue({ ...voided, total: -5 })));
    expect(bad).toEqual({ ok: false, reason: `voids/${voided.id}: total: must be at least 0` });
    expect(attempt(new Y.Doc(), (_t, doc) => doc.getMap('ledger').set('x', '{}'))).toEqual({ ok: false, reason: 'a till document has no map "ledger"' });
  });

  it('refuses editing or deleting a record already stored', () => {
    const { open, voided } = records();
    const server = new Y.Doc();
    new TillDoc(server).appendShiftEvent(open);
    new TillDoc(server).appendVoid(voided);
    const edited: ShiftEvent = { ...open, float: 1 };
    // An overwrite deletes the old value as well: the delete set gives it away first.
    expect(attempt(server, (_t, doc) => doc.getMap('shifts').set(open.id, encodeValue(edited)))).toEqual({ ok: false, reason: 'the update deletes or overwrites content of a till document' });
    expect(attempt(server, (_t, doc) => doc.getMap('voids').delete(voided.id))).toEqual({ ok: false, reason: 'the update deletes or overwrites content of a till document' });
  });
});
