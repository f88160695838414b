import { pbkdf2Sync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { webCryptoPinHasher } from '../core/base/platform.ts';
import { SetupDoc, setupDocName } from '../core/event/schema.ts';
import { verifyPin } from '../core/event/staff.ts';
import { demoWorld, type World } from './test-support.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

describe('staff API', () => {
  it('stores a salted PIN hash in the setup document, never the PIN, and only for an organiser', async () => {
    const d = await demoWorld();
    w = d;
    const post = (token: string, body: unknown) =>
      fetch(`${d.server.url}/api/events/${DEMO_EVENT_ID}/staff`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post(d.demo.organiserToken, { staff: [{ id: 'zoe', name: 'Zoé', role: 'manager', pin: '482913' }] });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ staff: [{ id: 'zoe', name: 'Zoé', role: 'manager' }] });
    const zoe = await d.server.hub.read(setupDocName(DEMO_EVENT_ID), (doc) => new SetupDoc(doc).staff().items.find((m) => m.id === 'zoe'));
    expect(zoe).toMatchObject({ role: 'manager' });
    expect(JSON.stringify(zoe)).not.toContain('482913');
    expect(zoe!.pinHash).toMatch(/^pbkdf2-sha256\$600000\$[0-9a-f]{64}$/);
    // Known answer: the same derivation through Node's own PBKDF2.
    expect(zoe!.pinHash.split('$')[2]).toBe(pbkdf2Sync('482913', Buffer.from(zoe!.pinSalt, 'hex'), 600_000, 32, 'sha256').toString('hex'));
    expect(await verifyPin(webCryptoPinHasher, zoe!, '482913')).toBe(true);
    expect(await verifyPin(webCryptoPinHasher, zoe!, '482914')).toBe(false);

    expect((await post(d.demo.storefrontToken, { staff: [{ id: 'eve', name: 'Eve', role: 'manager', pin: '1111' }] })).status).toBe(403);
    const bad = await post(d.demo.organiserToken, { staff: [{ id: 'bob', name: 'Bob', role: 'cashier', pin: '12' }] });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toMatch(/4 to 8 digits/);
  });
});
