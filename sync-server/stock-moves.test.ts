import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { brandDocName } from '../core/event/schema.ts';
import { api, demoWorld, pairTill, type World } from './test-support.ts';

type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const E = DEMO_EVENT_ID;
const BRANDS = ['north-thread', 'second-life', 'mellow-ceramics'];

async function postCsv(d: Demo, csv: string, token: string) {
  const res = await fetch(`${d.server.url}/api/events/${E}/stock/moves`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: csv });
  return { status: res.status, body: (await res.json()) as { moved?: number; errors?: { line: number; column: string; message: string }[]; type?: string } };
}

/** Every brand document's ledger, by entry count: what a refused request must leave exactly as it was. */
async function ledgerSizes(d: Demo): Promise<number[]> {
  return Promise.all(BRANDS.map((b) => d.server.hub.read(brandDocName(E, b), (doc) => doc.getMap('ledger').size)));
}

const rights = (d: Demo, brandId: string, holder: string, sku: string) => d.server.hub.read(brandDocName(E, brandId), (_doc, view) => view!.rights(holder, sku));

describe('bulk stock moves (CSV and multi-line form)', () => {
  it('receives a delivery and hands it on to a hub and a till in one file, rights counted row after row', async () => {
    const d = await demoWorld();
    w = d;
    const till = d.demo.tills[0]!; // Booth A: north-thread and mellow-ceramics
    const before = await rights(d, 'north-thread', 'reserve', 'NT-TOTE');
    const csv = [
      'from,to,brand,sku,qty',
      ',reserve,north-thread,NT-TOTE,40',
      `reserve,hub:hub-central,north-thread,NT-TOTE,${before + 25}`,
      `reserve,till:${till.tillId},north-thread,NT-TOTE,15`,
      ',hub:hub-east,mellow-ceramics,MC-VASE,3',
    ].join('\n');
    const res = await postCsv(d, csv, d.demo.organiserToken);
    expect(res.status).toBe(201);
    expect(res.body.moved).toBe(4);
    // The reserve received 40, then gave before + 25 and 15: it is empty, which the file may do (not below).
    expect(await rights(d, 'north-thread', 'reserve', 'NT-TOTE')).toBe(0);
    expect(await rights(d, 'north-thread', `till:${till.tillId}`, 'NT-TOTE')).toBeGreaterThanOrEqual(15);
    expect(await rights(d, 'mellow-ceramics', 'hub:hub-east', 'MC-VASE')).toBe(3);
  });

  it('refuses the whole file when any row is wrong, lists every row\'s problem and moves nothing', async () => {
    const d = await demoWorld();
    w = d;
    const tillB = d.demo.tills[1]!; // Booth B sells second-life only
    const sizes = await ledgerSizes(d);
    const reserveCap = await rights(d, 'north-thread', 'reserve', 'NT-CAP');
    const csv = [
      'from,to,brand,sku,qty',
      ',reserve,north-thread,NT-CAP,5', // fine on its own
      ',hub:nowhere,north-thread,NT-CAP,1', // no such hub
      `reserve,till:${tillB.tillId},north-thread,NT-CAP,1`, // that till does not sell north-thread
      `,till:${tillB.tillId},second-life,SL-CABLE,10`, // a till never receives: stock from nothing
      `till:${tillB.tillId},reserve,second-life,SL-CABLE,1`, // the server never spends a till's units
      `reserve,online,north-thread,NT-CAP,${reserveCap + 6}`, // more than the reserve holds, even after line 2
      ',reserve,north-thread,NO-SUCH-SKU,1', // not in the catalog
      ',reserve,ghost-brand,NT-CAP,1', // not a brand of the event
      ',reserve,north-thread,NT-CAP,-3', // not a quantity
    ].join('\n');
    const res = await postCsv(d, csv, d.demo.organiserToken);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('StockMoveError');
    const byLine = new Map(res.body.errors!.map((e) => [e.line, e]));
    expect([...byLine.keys()].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(byLine.get(3)!.message).toMatch(/no hub or pick-up location "nowhere"/);
    expect(byLine.get(4)!.message).toMatch(/does not sell north-thread/);
    expect(byLine.get(5)!.message).toMatch(/received into the reserve or a hub/);
    expect(byLine.get(6)!.message).toMatch(/spent only by that till's own device/);
    expect(byLine.get(7)!).toMatchObject({ column: 'qty' });
    expect(byLine.get(7)!.message).toContain(`holds ${reserveCap + 5}`);
    expect(byLine.get(8)!.message).toMatch(/not in north-thread's catalog/);
    expect(byLine.get(9)!.message).toMatch(/not a brand of this event/);
    expect(byLine.get(10)!).toMatchObject({ column: 'qty' });
    // Not even the good first row was written.
    expect(await ledgerSizes(d)).toEqual(sizes);
    expect(await rights(d, 'north-thread', 'reserve', 'NT-CAP')).toBe(reserveCap);
  });

  it('takes the multi-line form as JSON with the same rules', async () => {
    const d = await demoWorld();
    w = d;
    const ok = await api(d.server.url, 'POST', `/api/events/${E}/stock/moves`, {
      token: d.demo.organiserToken,
      body: { moves: [{ to: 'reserve', brandId: 'second-life', sku: 'SL-CABLE', qty: 7 }, { from: 'reserve', to: 'online', brandId: 'second-life', sku: 'SL-CABLE', qty: 7 }] },
    });
    expect(ok.status).toBe(201);
    const sizes = await ledgerSizes(d);
    const bad = await api(d.server.url, 'POST', `/api/events/${E}/stock/moves`, { token: d.demo.organiserToken, body: { moves: [{ to: 'till:till-99', brandId: 'second-life', sku: 'SL-CABLE', qty: 1 }] } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toMatch(/line 1, column to: till:till-99: the event has no paired till/);
    expect(await ledgerSizes(d)).toEqual(sizes);
  });

  it('refuses a till and a storefront that call it with their real tokens, and moves nothing', async () => {
    const d = await demoWorld();
    w = d;
    const paired = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const sizes = await ledgerSizes(d);
    // A till would love to mint stock for itself, or to empty the reserve into its own drawer.
    const csv = `from,to,brand,sku,qty\n,reserve,north-thread,NT-CAP,500\nreserve,till:${paired.tillId},north-thread,NT-CAP,5\n`;
    const asTill = await postCsv(d, csv, paired.token);
    expect(asTill.status).toBe(403);
    const asShop = await postCsv(d, csv, d.demo.storefrontToken);
    expect(asShop.status).toBe(403);
    const json = await api(d.server.url, 'POST', `/api/events/${E}/stock/moves`, { token: paired.token, body: { moves: [{ to: `till:${paired.tillId}`, brandId: 'north-thread', sku: 'NT-CAP', qty: 5 }] } });
    expect(json.status).toBe(403);
    expect(await ledgerSizes(d)).toEqual(sizes);
  });

  it('receives the opening stock named in the catalog import (receive_qty) into the reserve, and refuses a bad quantity with the rest of the file', async () => {
    const d = await demoWorld();
    w = d;
    const post = (csv: string) => fetch(`${d.server.url}/api/events/${E}/catalog`, { method: 'POST', headers: { authorization: `Bearer ${d.demo.organiserToken}`, 'content-type': 'text/csv' }, body: csv });
    const sizes = await ledgerSizes(d);
    const bad = await post('sku,brand,name,price,receive_qty\nNT-BEANIE,north-thread,Beanie,19.00,many\n');
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toMatch(/line 2, column receive_qty/);
    expect(await ledgerSizes(d)).toEqual(sizes);
    const ok = await post('sku,brand,name,price,receive_qty\nNT-BEANIE,north-thread,Beanie,19.00,24\nMC-SPOON,mellow-ceramics,Spoon,6.00,\n');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ imported: 2, received: 24 });
    expect(await rights(d, 'north-thread', 'reserve', 'NT-BEANIE')).toBe(24);
    expect(await rights(d, 'mellow-ceramics', 'reserve', 'MC-SPOON')).toBe(0);
  });
});
