import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { RESERVE } from '../../core/ledger/holders.ts';
import { EventDocs } from '../../renderer/src/console/event-docs.ts';
import { api, demoWorld, until, type World } from '../../sync-server/test-support.ts';

/** The organiser console's live event copy against a real server: what it shows, and how fast it follows. */
let w: World | undefined;
let docs: EventDocs | undefined;
afterEach(async () => {
  docs?.close();
  await w?.stop();
  w = docs = undefined;
});

describe('console event documents', () => {
  it('syncs the setup and every brand document read-only, and follows a stock move within a second', async () => {
    const d = await demoWorld();
    w = d;
    const token = 'test-admin-token-0123456789';
    // Every socket the console opens is counted: the whole event travels on one (at most 4 allowed).
    const opened: string[] = [];
    class Counted extends WebSocket {
      constructor(url: string) {
        super(url);
        opened.push(url);
      }
    }
    docs = new EventDocs({ syncUrl: d.wsUrl, token, eventId: DEMO_EVENT_ID, notifyMs: 50, WebSocket: Counted as unknown as typeof globalThis.WebSocket });
    const ev = docs;
    await until(() => ev.state().total === 4 && ev.state().synced === 4, 'setup + 3 brand documents synced');
    expect(opened).toHaveLength(1);
    const s = ev.state();
    expect(s.config?.id).toBe(DEMO_EVENT_ID);
    expect(s.brands.map((b) => b.id).sort()).toEqual(['mellow-ceramics', 'north-thread', 'second-life'].sort());
    const nt = s.byBrand.get('north-thread')!;
    expect(nt.products.size).toBeGreaterThan(5);
    const before = nt.stock.balance(RESERVE, 'NT-CAP').sellable;

    let heard = 0;
    ev.onChange(() => heard++);
    const t0 = Date.now();
    const res = await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/stock/receive`, { token, body: { holder: RESERVE, lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 7 }] } });
    expect(res.status).toBe(201);
    await until(() => ev.state().byBrand.get('north-thread')!.stock.balance(RESERVE, 'NT-CAP').sellable === before + 7, 'the received units seen by the console');
    expect(Date.now() - t0).toBeLessThan(1000);
    await until(() => heard > 0, "a change notification");
    expect(nt.invalid).toEqual([]);
  });
});
