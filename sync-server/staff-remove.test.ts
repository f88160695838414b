import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { SetupDoc, setupDocName } from '../core/event/schema.ts';
import { api, demoWorld, pairTill, type World } from './test-support.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const E = DEMO_EVENT_ID;

describe('removing a staff member (the console\'s staff list)', () => {
  it('lets the organiser remove one, refuses a till and a storefront with their real tokens, and answers 404 for nobody', async () => {
    const d = await demoWorld();
    w = d;
    const staffIds = () => d.server.hub.read(setupDocName(E), (doc) => new SetupDoc(doc).staff().items.map((m) => m.id).sort());
    expect(await staffIds()).toEqual(['ana', 'mia']);
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    // A cashier's till removing the manager would leave nobody to approve overrides: refused, nothing changes.
    for (const token of [till.token, d.demo.storefrontToken]) {
      expect((await api(d.server.url, 'DELETE', `/api/events/${E}/staff/mia`, { token })).status).toBe(403);
    }
    expect(await staffIds()).toEqual(['ana', 'mia']);
    expect((await api(d.server.url, 'DELETE', `/api/events/${E}/staff/ana`, { token: d.demo.organiserToken })).status).toBe(204);
    expect(await staffIds()).toEqual(['mia']);
    const again = await api(d.server.url, 'DELETE', `/api/events/${E}/staff/ana`, { token: d.demo.organiserToken });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ message: 'demo-flash-mall has no staff member "ana"' });
  });
});
