import { afterEach, describe, expect, it } from 'vitest';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { brandDocName, setupDocName, tillDocName } from '../core/event/schema.ts';
import { awarenessMessage } from './protocol.ts';
import { demoWorld, joinedRawClient, metric, pairTill, rawClient, synced, until, type World } from './test-support.ts';

/**
 * Abuse over the sync socket: awareness floods, and documents that do not exist. Each is refused with a
 * close code, and nothing is relayed, kept in memory or stored.
 */
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const ADMIN = 'test-admin-token-0123456789';
const NT = brandDocName(DEMO_EVENT_ID, 'north-thread');

/** One awareness update speaking for `ids` client ids (1, 2, …), each with `state`. */
function awarenessOf(state: Record<string, unknown>, ids = 1, firstId = 1000): Uint8Array {
  const a = new Awareness(new Y.Doc());
  a.setLocalState(null);
  const clients = Array.from({ length: ids }, (_, i) => firstId + i);
  for (const id of clients) {
    a.states.set(id, state);
    a.meta.set(id, { clock: 1, lastUpdated: Date.now() });
  }
  const out = encodeAwarenessUpdate(a, clients);
  a.destroy();
  return out;
}

describe('awareness', () => {
  it('refuses a storefront awareness state with 4405 and relays nothing, while a stock provider (empty state) keeps working', async () => {
    const d = await demoWorld();
    w = d;
    const stock = d.provider(NT, d.demo.storefrontToken);
    const watcher = d.provider(NT, d.demo.organiserToken);
    await Promise.all([synced(stock), synced(watcher)]);
    const c = await joinedRawClient(d, NT, d.demo.storefrontToken);
    const flood = awarenessOf({ blob: 'x'.repeat(1000) });
    c.send(awarenessMessage(flood));
    expect(await c.closed).toEqual({ code: 4405, reason: 'a storefront connection has no presence to show; awareness is refused' });
    await new Promise((r) => setTimeout(r, 100));
    expect([...watcher.awareness.getStates().values()].some((s) => 'blob' in s)).toBe(false);
    expect(stock.wsconnected).toBe(true);
    expect(await metric(d.server.url, 'popup_awareness_refused_total')).toBe(1);
  });

  it('closes a connection whose awareness is too large (1009), speaks for too many clients (4429) or comes too fast (4429)', { timeout: 20_000 }, async () => {
    const d = await demoWorld({ limits: { awarenessBytes: 4096, awarenessClientsPerConnection: 2, awarenessPerSecond: 5 } });
    w = d;
    const watcher = d.provider(NT, d.demo.organiserToken);
    const watcherCloses: number[] = [];
    watcher.on('connection-close', (e: { code: number } | null) => watcherCloses.push(e?.code ?? 0));
    await synced(watcher);

    const big = await joinedRawClient(d, NT, d.demo.organiserToken);
    big.send(awarenessMessage(awarenessOf({ note: 'x'.repeat(5000) })));
    expect(await big.closed).toEqual({ code: 1009, reason: 'an awareness message may carry at most 4096 bytes' });

    const many = await joinedRawClient(d, NT, d.demo.organiserToken);
    many.send(awarenessMessage(awarenessOf({ user: 'many' }, 3)));
    expect(await many.closed).toEqual({ code: 4429, reason: 'a connection may speak for at most 2 awareness clients' });

    const fast = await joinedRawClient(d, NT, d.demo.organiserToken);
    const same = awarenessOf({ user: 'fast' });
    for (let i = 0; i < 20; i++) fast.send(awarenessMessage(same));
    expect(await fast.closed).toEqual({ code: 4429, reason: 'more than 5 awareness messages a second' });

    await new Promise((r) => setTimeout(r, 100));
    const seen = [...watcher.awareness.getStates().values()];
    expect(seen.some((s) => 'note' in s || s['user'] === 'many')).toBe(false);
    // A small presence within the bounds is still relayed.
    const fine = await joinedRawClient(d, NT, d.demo.organiserToken);
    fine.send(awarenessMessage(awarenessOf({ user: 'Organiser laptop' }, 1, 2000)));
    await until(() => [...watcher.awareness.getStates().values()].some((s) => s['user'] === 'Organiser laptop'), 'the small presence');
    fine.close();
    // The stock provider watching echoes every presence it hears; that is not speaking for others.
    expect(watcherCloses).toEqual([]);
  });
});

describe('documents that do not exist', () => {
  it('refuses (4404) a setup, brand or till document outside an existing event, and creates nothing', async () => {
    const d = await demoWorld();
    w = d;
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    await until(() => d.server.hub.loadedCount() === 0, 'the seeded documents to unload', 5000);
    const namesBefore = (await allDocNames(d)).sort();
    const cases: [string, string, string][] = [
      [setupDocName('no-such-event'), ADMIN, 'there is no event "no-such-event"'],
      [brandDocName('no-such-event', 'north-thread'), ADMIN, 'there is no event "no-such-event"'],
      [brandDocName(DEMO_EVENT_ID, 'no-such-brand'), d.demo.storefrontToken, `event "${DEMO_EVENT_ID}" has no brand "no-such-brand"`],
      [brandDocName(DEMO_EVENT_ID, 'no-such-brand'), ADMIN, `event "${DEMO_EVENT_ID}" has no brand "no-such-brand"`],
      [tillDocName(DEMO_EVENT_ID, 'till-99'), ADMIN, `event "${DEMO_EVENT_ID}" has no till "till-99"`],
    ];
    for (const [doc, token, reason] of cases) {
      const c = rawClient(d, doc, token);
      expect({ doc, closed: await c.closed }).toEqual({ doc, closed: { code: 4404, reason } });
    }
    // The event's own documents still open, the paired till's document included.
    const own = await joinedRawClient(d, tillDocName(DEMO_EVENT_ID, till.tillId), till.token);
    own.close();
    expect((await allDocNames(d)).sort()).toEqual(namesBefore);
    // No document of a missing event was ever loaded.
    expect(await metric(d.server.url, 'popup_documents_loaded')).toBeLessThanOrEqual(2);
  });
});

/** Every stored document of every event. */
async function allDocNames(d: World): Promise<string[]> {
  const out: string[] = [];
  for (const id of await d.server.stores.eventIds()) out.push(...(await d.server.stores.event(id).docNames()));
  return out;
}
