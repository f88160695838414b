import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_LOCATIONS, demoConfig } from '../core/event/demo-event.ts';
import { encodeValue, SetupDoc } from '../core/event/schema.ts';
import type { Till } from '../core/event/event.ts';
import type { StaffMember } from '../core/event/staff.ts';
import { setupSnapshot } from './setup-snapshot.ts';

/**
 * The parsed set-up the guard keeps between updates must never outlive a change to the set-up document,
 * however the change arrives: the server's own write, an update from a peer, or a delete.
 */
const till = (id: string, receiptPrefix: string): Till => ({ id, name: id, deviceId: 'ABCDEFGHJKMN', locationId: DEMO_LOCATIONS[0]!.id, brandIds: [], receiptPrefix });
const member = (id: string, role: StaffMember['role']): StaffMember => ({ id, name: id, role, pinSalt: '00'.repeat(16), pinHash: `pbkdf2-sha256$100000$${'ab'.repeat(32)}` });

function setupWith(write: Parameters<SetupDoc['write']>[0]): Y.Doc {
  const doc = new Y.Doc();
  new SetupDoc(doc).write(write);
  return doc;
}

describe('the set-up snapshot', () => {
  it('is kept while the set-up document does not change', () => {
    const doc = setupWith({ config: demoConfig(Date.now()), tills: [till('till-1', 'T1')] });
    const first = setupSnapshot(doc);
    expect(setupSnapshot(doc)).toBe(first);
    expect(first.receiptPrefix('till-1')).toBe('T1');
  });

  it('follows the server’s own writes: a new till, a promoted manager, a new config', () => {
    const doc = setupWith({ config: demoConfig(Date.now()), tills: [till('till-1', 'T1')], staff: [member('ana', 'cashier')] });
    expect(setupSnapshot(doc).isManager('ana')).toBe(false);
    expect(setupSnapshot(doc).receiptPrefix('till-2')).toBeUndefined();
    new SetupDoc(doc).write({ tills: [till('till-2', 'T2')], staff: [member('ana', 'manager')], config: { ...demoConfig(Date.now()), name: 'Renamed' } });
    const after = setupSnapshot(doc);
    expect(after.isManager('ana')).toBe(true);
    expect(after.roleOf('ana')).toBe('manager');
    expect(after.receiptPrefix('till-2')).toBe('T2');
    expect(after.config?.name).toBe('Renamed');
  });

  it('follows updates from a peer, deletes included', () => {
    const doc = setupWith({ config: demoConfig(Date.now()), tills: [till('till-1', 'T1')] });
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    expect(setupSnapshot(doc).receiptPrefix('till-1')).toBe('T1');
    const sv = Y.encodeStateVector(doc);
    peer.getMap('tills').delete('till-1');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, sv));
    expect(setupSnapshot(doc).receiptPrefix('till-1')).toBeUndefined();
  });

  it('is not kept when read inside a transaction that goes on changing the document', () => {
    const doc = setupWith({ config: demoConfig(Date.now()) });
    doc.transact(() => {
      expect(setupSnapshot(doc).receiptPrefix('till-1')).toBeUndefined();
      doc.getMap('tills').set('till-1', encodeValue(till('till-1', 'T1')));
    });
    expect(setupSnapshot(doc).receiptPrefix('till-1')).toBe('T1');
  });

  it('has no config while the event has none, and reads one written later', () => {
    const doc = new Y.Doc();
    expect(setupSnapshot(doc).config).toBeUndefined();
    new SetupDoc(doc).write({ config: demoConfig(Date.now()) });
    expect(setupSnapshot(doc).config?.id).toBe(demoConfig(0).id);
  });
});
