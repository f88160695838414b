import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { syncStep1 } from '../core/base/wire.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import { api, demoWorld, joinedRawClient, until, type World } from './test-support.ts';

/**
 * The server's answer to a client's sync step 1 holds only what is durable. Found by the chaos suite (seed
 * 20261203): a till reconnected while the server's own refund-rights move was being written, got it in the
 * step 2, and kept it for ever after a SIGKILL lost the write (no one sends a server's change again).
 */
const northThread = brandDocName(DEMO_EVENT_ID, 'north-thread');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

describe('sync step 2', () => {
  it("waits for the server's own change in flight: a client joining meanwhile gets it only once it is durable", async () => {
    const d = await demoWorld({ tap: true });
    w = d;
    const store = d.tap!;
    const held: (() => void)[] = [];
    store.tap = (call, proceed) => {
      if (call.op !== 'appendUpdate' || call.doc !== northThread) return proceed();
      return new Promise<void>((resolve, reject) => held.push(() => void proceed().then(resolve, reject)));
    };
    try {
      // A change the server makes itself (stock received into the reserve): applied, its write held.
      const receiving = api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/stock/receive`, { token: d.demo.organiserToken, body: { holder: 'reserve', lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 7 }], ref: 'step 2 test' } });
      await until(() => held.length === 1, 'the server to start writing its change');
      const c = await joinedRawClient(d, northThread, d.demo.organiserToken);
      c.send(syncStep1(Y.encodeStateVector(new Y.Doc())));
      await sleep(300);
      expect(c.messages.filter((m) => m?.type === 'update' && m.step2)).toEqual([]);

      held.shift()!();
      expect((await receiving).status).toBe(201);
      await until(() => c.messages.some((m) => m?.type === 'update' && m.step2), 'the sync step 2');
      const doc = new Y.Doc();
      for (const m of c.messages) if (m?.type === 'update') Y.applyUpdate(doc, m.update);
      expect(new BrandDoc(doc).ledger().items.some((e) => e.ref === 'step 2 test')).toBe(true);
      c.close();
    } finally {
      store.tap = undefined;
      for (const release of held) release();
    }
  });
});
