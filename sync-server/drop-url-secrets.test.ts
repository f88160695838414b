import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { encodeValue, SetupDoc, setupDocName } from '../core/event/schema.ts';
import { api, demoWorld, type World } from './test-support.ts';

/**
 * The drop page's address is public: the policies endpoint publishes it and creator redirects send shoppers
 * to it. Regression: the demo put its storefront token in it (`?token=pp_…`), and anyone reading the policies
 * had a storefront credential.
 */
const E = DEMO_EVENT_ID;

let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const policies = async (url: string) => (await (await fetch(`${url}/api/events/${E}/policies`)).json()) as { dropUrl: string | null };

describe('the drop page address never carries a secret', () => {
  it('the demo publishes its drop page without a token', async () => {
    w = await demoWorld();
    const body = JSON.stringify(await policies(w.server.url));
    expect(body).not.toContain(w.demo.storefrontToken);
    expect(body).not.toMatch(/pp_|token=/);
  });

  it('is refused with 422 naming dropUrl when it carries token=, api_key= or a server token, and nothing changes', async () => {
    w = await demoWorld();
    const before = await policies(w.server.url);
    for (const dropUrl of ['https://drop.example.com/?token=abc', 'https://drop.example.com/?lang=en&api_key=abc', `https://drop.example.com/${w.demo.storefrontToken}`, 'https://drop.example.com/?Access_Token=x']) {
      const res = await api(w.server.url, 'PATCH', `/api/events/${E}`, { token: w.demo.organiserToken, body: { dropUrl } });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ field: 'dropUrl', message: expect.stringMatching(/must not hold a token or other secret/) });
    }
    expect(await policies(w.server.url)).toEqual(before);
    // An address with ordinary parameters is fine.
    expect((await api(w.server.url, 'PATCH', `/api/events/${E}`, { token: w.demo.organiserToken, body: { dropUrl: 'https://drop.example.com/?lang=en&utm_source=mail' } })).status).toBe(200);
  });

  it('strips a secret a config stored earlier still carries, on output', async () => {
    w = await demoWorld();
    const config = await w.server.hub.read(setupDocName(E), (doc) => new SetupDoc(doc).config()!);
    const leaky = { ...config, dropUrl: `https://drop.example.com/mall?lang=en&token=${w.demo.storefrontToken}` };
    await w.server.hub.change(setupDocName(E), (doc) => doc.getMap('event').set('config', encodeValue(leaky)));
    expect((await policies(w.server.url)).dropUrl).toBe('https://drop.example.com/mall?lang=en');
  });
});
