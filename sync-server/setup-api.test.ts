import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID, demoConfig } from '../core/event/demo-event.ts';
import { api, demoWorld, pairTill, type World } from './test-support.ts';

/**
 * The organiser console's set-up API: listing events, changing an event's settings, brands, locations,
 * tills, creators and thresholds, with errors that name the field; and the public policies.
 */
const E = DEMO_EVENT_ID;
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

async function setupWorld() {
  w = await demoWorld();
  return { w, admin: w.server.adminToken, organiser: w.demo.organiserToken, url: w.server.url };
}

/** A failed call's status and the field it names. */
const failure = (res: { status: number; body: unknown }) => ({ status: res.status, field: (res.body as { field?: string }).field });

describe('event set-up API', () => {
  it('lists every event to the admin only, by start time', async () => {
    const { url, admin, organiser } = await setupWorld();
    const later = { ...demoConfig(Date.UTC(2030, 0, 1)), id: 'later-fair', name: 'Later Fair' };
    expect((await api(url, 'POST', '/api/events', { token: admin, body: { config: later } })).status).toBe(201);
    const listed = await api(url, 'GET', '/api/events', { token: admin });
    expect(listed.status).toBe(200);
    expect((listed.body as { events: { id: string; name: string }[] }).events.map((e) => [e.id, e.name])).toEqual([
      [E, 'Demo Flash Mall'],
      ['later-fair', 'Later Fair'],
    ]);
    expect((await api(url, 'GET', '/api/events', { token: organiser })).status).toBe(403);
    expect((await api(url, 'GET', '/api/events')).status).toBe(401);
  });

  it('changes the event’s name, policies and drop page, keeps what was not sent, and refuses a new currency', async () => {
    const { url, organiser } = await setupWorld();
    const before = (await api(url, 'GET', `/api/events/${E}`, { token: organiser })).body as { config: ReturnType<typeof demoConfig> };
    const res = await api(url, 'PATCH', `/api/events/${E}`, { token: organiser, body: { name: 'Spring Flash Mall', policies: { warrantyText: '24 months on phones.' }, dropUrl: 'https://drop.example.com/spring' } });
    expect(res.status).toBe(200);
    const after = (await api(url, 'GET', `/api/events/${E}`, { token: organiser })).body as { config: ReturnType<typeof demoConfig> };
    expect(after.config).toEqual({ ...before.config, name: 'Spring Flash Mall', policies: { ...before.config.policies, warrantyText: '24 months on phones.' }, dropUrl: 'https://drop.example.com/spring' });

    expect(failure(await api(url, 'PATCH', `/api/events/${E}`, { token: organiser, body: { currency: 'USD' } }))).toEqual({ status: 422, field: 'currency' });
    expect(failure(await api(url, 'PATCH', `/api/events/${E}`, { token: organiser, body: { colour: 'red' } }))).toEqual({ status: 422, field: 'colour' });
    expect(failure(await api(url, 'PATCH', `/api/events/${E}`, { token: organiser, body: { dropUrl: 'not a url' } }))).toEqual({ status: 422, field: 'dropUrl' });
    expect(failure(await api(url, 'PATCH', `/api/events/${E}`, { token: organiser, body: { policies: { returnsDays: -1 } } }))).toEqual({ status: 422, field: 'returnsDays' });
    // The drop page can be removed again.
    expect((await api(url, 'PATCH', `/api/events/${E}`, { token: organiser, body: { dropUrl: null } })).status).toBe(200);
    expect(((await api(url, 'GET', `/api/events/${E}`, { token: organiser })).body as { config: object }).config).not.toHaveProperty('dropUrl');
  });

  it('adds and changes brands and locations, naming the field of a bad value', async () => {
    const { url, organiser } = await setupWorld();
    expect((await api(url, 'PUT', `/api/events/${E}/brands/fresh-ink`, { token: organiser, body: { name: 'Fresh Ink', commissionBp: 1800, boothFee: 12000 } })).status).toBe(200);
    expect((await api(url, 'PUT', `/api/events/${E}/brands/fresh-ink`, { token: organiser, body: { name: 'Fresh Ink Studio', commissionBp: 2000, boothFee: 12000 } })).status).toBe(200);
    expect(failure(await api(url, 'PUT', `/api/events/${E}/brands/fresh-ink`, { token: organiser, body: { name: 'X', commissionBp: 20000, boothFee: 0 } }))).toEqual({ status: 422, field: 'commissionBp' });
    expect(failure(await api(url, 'PUT', `/api/events/${E}/brands/Bad_Id`, { token: organiser, body: { name: 'X', commissionBp: 0, boothFee: 0 } }))).toEqual({ status: 422, field: 'id' });
    expect((await api(url, 'PUT', `/api/events/${E}/locations/pickup-cafe`, { token: organiser, body: { kind: 'pickup', name: 'Café Lumen', address: '3 Rue Oberkampf, Paris', lat: 48.8649, lon: 2.3731 } })).status).toBe(200);
    expect(failure(await api(url, 'PUT', `/api/events/${E}/locations/pickup-cafe`, { token: organiser, body: { kind: 'pickup', name: 'Café Lumen', lat: 95 } }))).toEqual({ status: 422, field: 'lat' });
    expect(failure(await api(url, 'PUT', `/api/events/${E}/locations/x`, { token: organiser, body: { kind: 'castle', name: 'X' } }))).toEqual({ status: 422, field: 'kind' });
    const setup = (await api(url, 'GET', `/api/events/${E}`, { token: organiser })).body as { brands: { id: string; name: string; commissionBp: number }[]; locations: { id: string; kind: string }[] };
    expect(setup.brands.find((b) => b.id === 'fresh-ink')).toEqual({ id: 'fresh-ink', name: 'Fresh Ink Studio', commissionBp: 2000, boothFee: 12000 });
    expect(setup.locations.find((l) => l.id === 'pickup-cafe')).toEqual({ id: 'pickup-cafe', kind: 'pickup', name: 'Café Lumen', address: '3 Rue Oberkampf, Paris', lat: 48.8649, lon: 2.3731 });
  });

  it('creates tills with unique receipt prefixes, issues their pairing codes, and shows them planned until paired', async () => {
    const { url, organiser } = await setupWorld();
    // The demo pairs tills 1–3 (two booths and the east hub): the next is till-4.
    const created = await api(url, 'POST', `/api/events/${E}/tills`, { token: organiser, body: { name: 'Hub till', locationId: 'hub-central', brandIds: ['second-life'], receiptPrefix: 'T4' } });
    expect(created.status).toBe(201);
    const till = (created.body as { till: { id: string; receiptPrefix: string } }).till;
    expect(till).toMatchObject({ id: 'till-4', receiptPrefix: 'T4' });
    expect(failure(await api(url, 'POST', `/api/events/${E}/tills`, { token: organiser, body: { name: 'Dup', locationId: 'booth-a', brandIds: ['second-life'], receiptPrefix: 'T4' } }))).toEqual({ status: 422, field: 'receiptPrefix' });
    expect(failure(await api(url, 'POST', `/api/events/${E}/tills`, { token: organiser, body: { name: 'Lost', locationId: 'nowhere', brandIds: ['second-life'] } }))).toEqual({ status: 422, field: 'locationId' });
    expect(failure(await api(url, 'POST', `/api/events/${E}/tills`, { token: organiser, body: { name: 'None', locationId: 'booth-a', brandIds: [] } }))).toEqual({ status: 422, field: 'brandIds' });
    // An automatic prefix steps over the one taken by hand.
    const auto = await api(url, 'POST', `/api/events/${E}/pairing-codes`, { token: organiser, body: { name: 'Booth A extra', locationId: 'booth-a', brandIds: ['north-thread'] } });
    expect(auto.body).toMatchObject({ tillId: 'till-5', receiptPrefix: 'T5' });

    const planned = async () => ((await api(url, 'GET', `/api/events/${E}`, { token: organiser })).body as { plannedTills: { id: string }[] }).plannedTills.map((t) => t.id);
    expect(await planned()).toContain('till-4');
    const code = await api(url, 'POST', `/api/events/${E}/tills/till-4/pairing-code`, { token: organiser });
    expect(code.status).toBe(201);
    const paired = await pairTill(url, (code.body as { code: string }).code);
    expect(paired).toMatchObject({ tillId: 'till-4', receiptPrefix: 'T4', locationId: 'hub-central', brandIds: ['second-life'] });
    expect(await planned()).not.toContain('till-4');
    expect((await api(url, 'POST', `/api/events/${E}/tills/till-4/pairing-code`, { token: organiser })).status).toBe(409);
    expect((await api(url, 'POST', `/api/events/${E}/tills/till-99/pairing-code`, { token: organiser })).status).toBe(404);
  });

  it('keeps creator codes unique ignoring case, and on the whole server', async () => {
    const { url, organiser, admin } = await setupWorld();
    expect((await api(url, 'PUT', `/api/events/${E}/creators/Mira`, { token: organiser, body: { name: 'Mira M.' } })).status).toBe(200);
    // The same code in another case is the same creator: changed, not added.
    expect((await api(url, 'PUT', `/api/events/${E}/creators/MIRA`, { token: organiser, body: { name: 'Mira Moreau', url: 'https://mira.example/links' } })).status).toBe(200);
    const list = (await api(url, 'GET', `/api/events/${E}/creators`, { token: organiser })).body as { creators: { code: string; name: string; clicks: number; link: string }[] };
    expect(list.creators.filter((c) => c.code.toLowerCase() === 'mira')).toEqual([{ code: 'MIRA', name: 'Mira Moreau', url: 'https://mira.example/links', link: '/r/MIRA', clicks: 0 }]);
    expect(list.creators.map((c) => c.code)).toEqual(expect.arrayContaining(['LENA10', 'TECHTOM', 'CERAMICLUB']));
    expect(failure(await api(url, 'PUT', `/api/events/${E}/creators/a%20b`, { token: organiser, body: { name: 'Spaced' } }))).toEqual({ status: 422, field: 'code' });
    expect(failure(await api(url, 'PUT', `/api/events/${E}/creators/okcode`, { token: organiser, body: { name: 'X', url: 'javascript:alert(1)' } }))).toEqual({ status: 422, field: 'url' });

    // Another event on this server may not take the code (its /r/ link would be ambiguous).
    await api(url, 'POST', '/api/events', { token: admin, body: { config: { ...demoConfig(Date.now()), id: 'other-fair' } } });
    const taken = await api(url, 'PUT', '/api/events/other-fair/creators/mira', { token: admin, body: { name: 'Someone else' } });
    expect(taken.status).toBe(409);
    // Removed, the code is free again.
    expect((await api(url, 'DELETE', `/api/events/${E}/creators/mira`, { token: organiser })).status).toBe(204);
    expect((await api(url, 'PUT', '/api/events/other-fair/creators/mira', { token: admin, body: { name: 'Someone else' } })).status).toBe(200);
    expect((await api(url, 'DELETE', `/api/events/${E}/creators/mira`, { token: organiser })).status).toBe(404);
  });

  it('sets and removes per-location thresholds for SKUs of the catalog, refusing unknown ones by position', async () => {
    const { url, organiser } = await setupWorld();
    const set = await api(url, 'PUT', `/api/events/${E}/thresholds`, { token: organiser, body: { thresholds: [{ locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 6, safetyStock: 2 }] } });
    expect(set.status).toBe(200);
    const bad = [
      { locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 6, safetyStock: 2 },
      { locationId: 'booth-a', sku: 'NO-SUCH-SKU', lowStockThreshold: 1, safetyStock: 0 },
    ];
    expect(failure(await api(url, 'PUT', `/api/events/${E}/thresholds`, { token: organiser, body: { thresholds: bad } }))).toEqual({ status: 422, field: 'thresholds[1].sku' });
    expect(failure(await api(url, 'PUT', `/api/events/${E}/thresholds`, { token: organiser, body: { thresholds: [{ ...bad[0], locationId: 'mars' }] } }))).toEqual({ status: 422, field: 'thresholds[0].locationId' });
    expect(failure(await api(url, 'PUT', `/api/events/${E}/thresholds`, { token: organiser, body: { thresholds: [{ ...bad[0], safetyStock: -2 }] } }))).toEqual({ status: 422, field: 'thresholds[0].safetyStock' });
    const read = async () => ((await api(url, 'GET', `/api/events/${E}`, { token: organiser })).body as { thresholds: unknown[] }).thresholds;
    expect(await read()).toEqual([{ locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 6, safetyStock: 2 }]);
    expect((await api(url, 'DELETE', `/api/events/${E}/thresholds/booth-a/NT-CAP`, { token: organiser })).status).toBe(204);
    expect(await read()).toEqual([]);
  });

  it('refuses set-up changes from tills, storefronts and other events’ organisers', async () => {
    const { url, admin } = await setupWorld();
    const till = await pairTill(url, w!.demo.tills[0]!.code);
    const other = await api(url, 'POST', `/api/events`, { token: admin, body: { config: { ...demoConfig(Date.now()), id: 'other-fair' } } });
    expect(other.status).toBe(201);
    const otherOrganiser = ((await api(url, 'POST', '/api/events/other-fair/tokens', { token: admin, body: { role: 'organiser' } })).body as { token: string }).token;
    const calls: [string, string, unknown][] = [
      ['PATCH', `/api/events/${E}`, { name: 'Hijacked' }],
      ['PUT', `/api/events/${E}/brands/x`, { name: 'X', commissionBp: 0, boothFee: 0 }],
      ['PUT', `/api/events/${E}/locations/x`, { kind: 'booth', name: 'X' }],
      ['POST', `/api/events/${E}/tills`, { name: 'X', locationId: 'booth-a', brandIds: ['north-thread'] }],
      ['PUT', `/api/events/${E}/creators/sneaky`, { name: 'X' }],
      ['GET', `/api/events/${E}/creators`, undefined],
      ['PUT', `/api/events/${E}/thresholds`, { thresholds: [] }],
    ];
    for (const [method, path, body] of calls) {
      for (const token of [till.token, w!.demo.storefrontToken, otherOrganiser]) {
        expect(`${method} ${path}: ${(await api(url, method, path, { token, ...(body !== undefined ? { body } : {}) })).status}`).toBe(`${method} ${path}: 403`);
      }
    }
    expect(((await api(url, 'GET', `/api/events/${E}`, { token: admin })).body as { config: { name: string } }).config.name).toBe('Demo Flash Mall');
  });
});

describe('public policies', () => {
  it('serves returns, warranty and pick-up without a token, cacheable with an ETag, and never the defect limit', async () => {
    const { url, organiser } = await setupWorld();
    const res = await fetch(`${url}/api/events/${E}/policies`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      eventId: E,
      eventName: 'Demo Flash Mall',
      returnsDays: 14,
      returnsText: 'Returns within 14 days with this receipt.',
      warrantyText: expect.stringContaining('12-month warranty'),
      pickupText: expect.stringContaining('Central micro-hub'),
      // The demo's drop page: the example storefront this server serves (demo-seed.ts), with no token in it.
      dropUrl: `${url}/examples/storefront/?event=${E}`,
    });
    expect(body).not.toHaveProperty('defectRefundLimit');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect((await fetch(`${url}/api/events/${E}/policies`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    await api(url, 'PATCH', `/api/events/${E}`, { token: organiser, body: { policies: { pickupText: 'Pick up at Café Lumen.' } } });
    const changed = await fetch(`${url}/api/events/${E}/policies`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(((await changed.json()) as { pickupText: string }).pickupText).toBe('Pick up at Café Lumen.');
    expect((await fetch(`${url}/api/events/no-such-event/policies`)).status).toBe(404);
  });
});
