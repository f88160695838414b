import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { BrandDoc, brandDocName, setupDocName } from '../core/event/schema.ts';
import { RESERVE, tillHolder } from '../core/ledger/holders.ts';
import type { ReturnRequest } from '../core/ledger/return-request.ts';
import { LedgerWriter } from '../core/ledger/rights.ts';
import { syncUpdate } from './protocol.ts';
import { api, copyOfServerDoc, demoWorld, eventually, joinedRawClient, pairTill, storedState, TillWriter, updateOf, type World } from './test-support.ts';

/**
 * Stock back from a till to the reserve (sync-server/stock-returns.ts, core/ledger/return-request.ts): the
 * organiser asks, the server checks the ask against its own records and writes a return request, and only the
 * till's own transfer moves its rights. An attacker holding a real till token cannot write a request itself.
 */
const E = DEMO_EVENT_ID;
const NT = brandDocName(E, 'north-thread');

let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

type Listed = { returns: { brandId: string; tillId: string; state: string; lines: { sku: string; qty: number; returned: number }[]; request: ReturnRequest }[] };

async function arena() {
  const d = await demoWorld();
  w = d;
  const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
  const ask = (body: unknown, token = d.demo.organiserToken) => api(d.server.url, 'POST', `/api/events/${E}/stock/returns`, { token, body });
  const list = async () => (await api(d.server.url, 'GET', `/api/events/${E}/stock/returns`, { token: d.demo.organiserToken })).body as Listed;
  const rights = (holder: Parameters<typeof tillHolder>[0] | 'reserve', sku: string) => d.server.hub.read(NT, (_doc, view) => view!.rights(holder === 'reserve' ? RESERVE : tillHolder(holder), sku));
  return { d, till, ask, list, rights };
}

describe('the organiser takes stock back from a till', () => {
  it('writes a return request the till answers with its own transfer, moving its rights to the reserve', async () => {
    const { d, till, ask, list, rights } = await arena();
    const tillBefore = await rights(till.tillId, 'NT-CAP');
    const reserveBefore = await rights('reserve', 'NT-CAP');
    expect(tillBefore).toBeGreaterThanOrEqual(3);
    const res = await ask({ tillId: till.tillId, lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 3 }], note: 'end of day' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [request] = (res.body as { returns: (ReturnRequest & { brandId: string })[] }).returns;
    expect(request).toMatchObject({ brandId: 'north-thread', holder: tillHolder(till.tillId), lines: [{ sku: 'NT-CAP', qty: 3 }], note: 'end of day' });
    // Asking moves nothing: the till still holds its rights until it hands them back.
    expect(await rights(till.tillId, 'NT-CAP')).toBe(tillBefore);
    expect((await list()).returns[0]).toMatchObject({ tillId: till.tillId, state: 'open', lines: [{ sku: 'NT-CAP', qty: 3, returned: 0 }] });

    // The till hands back with a transfer naming the request, as the till app does (LocalStore.answerReturns).
    const replica = await copyOfServerDoc(d.server, NT);
    const writer = new TillWriter(till, 'north-thread', replica, await copyOfServerDoc(d.server, setupDocName(E)));
    const batch = new LedgerWriter(till.deviceId, writer.clock, writer.view, (h) => (h === writer.holder ? till.deviceId : undefined)).batch();
    batch.transfer(writer.holder, RESERVE, 'NT-CAP', 3, request!.id);
    const c = await joinedRawClient(d, NT, till.token);
    c.send(syncUpdate(updateOf(replica, (doc) => new BrandDoc(doc).appendEntries(batch.entries))));
    await eventually(async () => expect((await list()).returns[0]).toMatchObject({ state: 'returned', lines: [{ returned: 3 }] }));
    c.close();
    expect(await rights(till.tillId, 'NT-CAP')).toBe(tillBefore - 3);
    expect(await rights('reserve', 'NT-CAP')).toBe(reserveBefore + 3);
  });

  it('refuses an ask the server’s records do not back, naming the field, and writes nothing', async () => {
    const { d, till, ask } = await arena();
    const before = await storedState(d.server, NT);
    const cases: [unknown, RegExp][] = [
      [{ tillId: 'till-99', lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }] }, /not a paired till/],
      // Booth B's till exists in the plan but no device has paired as it.
      [{ tillId: d.demo.tills[1]!.tillId, lines: [{ brandId: 'second-life', sku: 'SL-PHONE-11', qty: 1 }] }, /not a paired till/],
      [{ tillId: till.tillId, lines: [{ brandId: 'second-life', sku: 'SL-PHONE-11', qty: 1 }] }, /does not sell second-life/],
      [{ tillId: till.tillId, lines: [{ brandId: 'north-thread', sku: 'NO-SUCH', qty: 1 }] }, /NO-SUCH is not in north-thread's catalog/],
      [{ tillId: till.tillId, lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 0 }] }, /qty/],
      [{ tillId: till.tillId, lines: [] }, /lines/],
      [{ tillId: till.tillId, lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }], expiresInMinutes: 0 }, /expiresInMinutes/],
    ];
    for (const [body, message] of cases) {
      const res = await ask(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((res.body as { message: string }).message).toMatch(message);
    }
    // A till's own token may not ask (the organiser's call), nor a storefront's.
    expect((await ask({ tillId: till.tillId, lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }] }, till.token)).status).toBe(403);
    expect((await ask({ tillId: till.tillId, lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }] }, d.demo.storefrontToken)).status).toBe(403);
    expect(await storedState(d.server, NT)).toEqual(before);
  });

  it('refuses a return request written over sync by a till (4422), and stores nothing', async () => {
    const { d, till } = await arena();
    const before = await storedState(d.server, NT);
    const replica = await copyOfServerDoc(d.server, NT);
    // An attacker's till asks the other booth's till for stock "back to the reserve" (or itself, to look official).
    const forged: ReturnRequest = { id: `t_0000000001000-0000-${till.deviceId}`, at: `0000000001000-0000-${till.deviceId}`, writer: till.deviceId, holder: tillHolder('till-2'), lines: [{ sku: 'NT-CAP', qty: 5 }], expiresAt: Date.now() + 60_000 };
    const c = await joinedRawClient(d, NT, till.token);
    c.send(syncUpdate(updateOf(replica, (doc) => new BrandDoc(doc).appendReturnRequest(forged))));
    const closed = await c.closed;
    expect(closed.code).toBe(4422);
    expect(closed.reason).toContain('only the server records a return request');
    expect(await storedState(d.server, NT)).toEqual(before);
  });
});
