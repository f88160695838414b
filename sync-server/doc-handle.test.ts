import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ValidationError } from '../core/base/errors.ts';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { brandDocName, setupDocName } from '../core/event/schema.ts';
import { CloseCode } from './close-codes.ts';
import { HandleClosed } from './doc-handle.ts';
import type { DocHub } from './doc-hub.ts';
import { DocumentDamaged } from './document-damage.ts';
import { MissingError, ServerClosing } from './server-errors.ts';
import { demoWorld, synced, until, type World } from './test-support.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const northThread = brandDocName(DEMO_EVENT_ID, 'north-thread');
/** Whether the hub has the document in memory (its private map: what "kept loaded" means). */
const loaded = (hub: DocHub, name: string) => (hub as unknown as { docs: Map<string, unknown> }).docs.has(name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DocHub.open: the server’s own handle on a document', () => {
  it('keeps the document loaded while held, reads the hub’s copy, and writes through persist-then-relay', async () => {
    const d = await demoWorld(); // documents unload 200 ms after the last holder leaves
    w = d;
    const hub = d.server.hub;
    const handle = await hub.open(northThread);
    const peer = d.provider(northThread, d.demo.organiserToken);
    await synced(peer);

    // A server-side write: durable when it resolves, then relayed to the peer.
    await handle.transact((doc) => doc.getMap('handle-test').set('written', 'by the server'));
    const stored = await d.server.stores.event(DEMO_EVENT_ID).loadDoc(northThread);
    const onDisk = new Y.Doc();
    if (stored.snapshot) Y.applyUpdateV2(onDisk, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(onDisk, u);
    expect(onDisk.getMap('handle-test').get('written')).toBe('by the server');
    await until(() => peer.doc.getMap('handle-test').get('written') === 'by the server', 'the write to reach the peer');

    // The handle's doc is the hub's copy: another server write is in it at once.
    await hub.change(northThread, (doc) => doc.getMap('handle-test').set('other', 'write'));
    expect(handle.doc.getMap('handle-test').get('other')).toBe('write');

    // Held past the idle unload with no peer left: still loaded; closed, it unloads.
    peer.destroy();
    await sleep(600);
    expect(loaded(hub, northThread)).toBe(true);
    handle.close();
    handle.close(); // twice is harmless
    await until(() => !loaded(hub, northThread), 'the document to unload once the handle is closed');
    await expect(handle.transact(() => undefined)).rejects.toBeInstanceOf(HandleClosed);
  });

  it('refuses what a join refuses: not a document, outside an existing event, damaged, and while closing', async () => {
    const d = await demoWorld();
    w = d;
    const hub = d.server.hub;
    await expect(hub.open('not/a/document')).rejects.toBeInstanceOf(ValidationError);
    await expect(hub.open(setupDocName('no-such-event'))).rejects.toThrow(MissingError);
    await expect(hub.open(brandDocName(DEMO_EVENT_ID, 'no-such-brand'))).rejects.toThrow(/has no brand "no-such-brand"/);
    // Nothing was made for the refused names.
    expect(loaded(hub, setupDocName('no-such-event'))).toBe(false);

    await until(() => !loaded(hub, northThread), 'the seeded document to unload');
    hub.markDamaged([{ doc: northThread, what: 'a test says so' }]);
    await expect(hub.open(northThread)).rejects.toBeInstanceOf(DocumentDamaged);

    await hub.close();
    await expect(hub.open(setupDocName(DEMO_EVENT_ID))).rejects.toBeInstanceOf(ServerClosing);
  });

  it('is told, with the peers’ close code, when the hub drops the document', async () => {
    const d = await demoWorld();
    w = d;
    const hub = d.server.hub;
    const handle = await hub.open(northThread);
    const heard: [number, string][] = [];
    handle.onDropped((code, reason) => heard.push([code, reason]));
    await hub.startRecovery(northThread);
    expect(heard).toEqual([[CloseCode.GoingAway, 'the document is being rebuilt; reconnect']]);
    expect(handle.closed).toBe(true);
    expect(() => handle.doc).toThrow(HandleClosed);
    hub.finishRecovery(northThread);

    const setup = await hub.open(setupDocName(DEMO_EVENT_ID));
    const closing: number[] = [];
    setup.onDropped((code) => closing.push(code));
    await hub.close();
    expect(closing).toEqual([CloseCode.GoingAway]);
  });
});
