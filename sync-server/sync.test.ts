import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/demo-event.ts';
import { BrandDoc, brandDocName, SetupDoc, setupDocName } from '../core/schema.ts';
import { demoWorld, synced, until, type World } from './test-support.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const northThread = brandDocName(DEMO_EVENT_ID, 'north-thread');

describe('sync server with stock y-websocket clients', () => {
  it('serves the seeded event to an organiser and relays awareness between clients', async () => {
    const d = await demoWorld();
    w = d;
    const organiser = d.demo.organiserToken;
    const a = d.provider(setupDocName(DEMO_EVENT_ID), organiser);
    const b = d.provider(northThread, organiser);
    await Promise.all([synced(a), synced(b)]);
    expect(new SetupDoc(a.doc).brands().items.map((x) => x.id)).toContain('north-thread');
    expect(new BrandDoc(b.doc).products().items.length).toBeGreaterThan(5);
    const c = d.provider(northThread, organiser);
    await synced(c);
    b.awareness.setLocalStateField('user', { name: 'Organiser laptop' });
    await until(() => [...c.awareness.getStates().values()].some((s) => s['user']?.name === 'Organiser laptop'), 'awareness to reach the other client');
  });

  it('keeps everything across a restart on the same data folder', async () => {
    const d = await demoWorld();
    w = d;
    const before = await d.server.hub.read(northThread, (doc) => Y.encodeStateVector(doc));
    await d.restart();
    const p = d.provider(northThread, d.demo.organiserToken);
    await synced(p);
    expect(Y.encodeStateVector(p.doc)).toEqual(before);
    expect(new BrandDoc(p.doc).ledger().items.length).toBeGreaterThan(10);
  });
});
