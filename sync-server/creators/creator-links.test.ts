import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { api, demoWorld, type World, type WorldOptions } from '../test-support.ts';

/**
 * Creator links: `/r/<code>` counts the click and redirects to the creator's page or the drop's page;
 * counts are batched to storage, survive a restart, and each client address is rate-limited.
 */
const E = DEMO_EVENT_ID;
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

async function linkWorld(opts: WorldOptions = {}) {
  w = await demoWorld(opts);
  const organiser = w.demo.organiserToken;
  expect((await api(w.server.url, 'PATCH', `/api/events/${E}`, { token: organiser, body: { dropUrl: 'https://drop.example.com/mall?lang=en' } })).status).toBe(200);
  return { w, organiser };
}

const click = (url: string, code: string) => fetch(`${url}/r/${code}`, { redirect: 'manual' });

async function clicksOf(url: string, token: string): Promise<Record<string, number>> {
  const res = await api(url, 'GET', `/api/events/${E}/creators`, { token });
  return Object.fromEntries((res.body as { creators: { code: string; clicks: number }[] }).creators.map((c) => [c.code, c.clicks]));
}

describe('creator links', () => {
  it('redirect to the drop’s page with the code as its source, or to the creator’s own page, ignoring case', async () => {
    const { w, organiser } = await linkWorld();
    const res = await click(w.server.url, 'lena10');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://drop.example.com/mall?lang=en&source=LENA10');
    await api(w.server.url, 'PUT', `/api/events/${E}/creators/TECHTOM`, { token: organiser, body: { name: 'Tech Tom', url: 'https://tom.example/phones' } });
    const own = await click(w.server.url, 'TECHTOM');
    expect(own.status).toBe(302);
    expect(own.headers.get('location')).toBe('https://tom.example/phones');
  });

  it('answer an unknown code, or a drop with no page, with a plain 404 and count nothing', async () => {
    w = await demoWorld();
    const unknown = await click(w.server.url, 'nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await unknown.text()).toBe('There is no creator link "nobody".');
    // The demo's drop page is the example storefront; an organiser may remove it (no online drop).
    expect((await api(w.server.url, 'PATCH', `/api/events/${DEMO_EVENT_ID}`, { token: w.demo.organiserToken, body: { dropUrl: null } })).status).toBe(200);
    const noPage = await click(w.server.url, 'LENA10');
    expect(noPage.status).toBe(404);
    expect(await noPage.text()).toBe('The drop of "LENA10" has no web page yet.');
    await w.server.clicks.flush();
    expect((await clicksOf(w.server.url, w.demo.organiserToken))['LENA10']).toBe(0);
  });

  it('count every click, write a burst in a few batches rather than once per click, and keep the counts across a restart', async () => {
    const { w, organiser } = await linkWorld({ tap: true, redirects: { perSecond: 1000, burst: 1000, clickFlushMs: 200 } });
    let writes = 0;
    w.tap!.tap = (call, proceed) => {
      if (call.op === 'commit' && call.commit?.put?.some((p) => p.ns === 'creator-clicks')) writes++;
      return proceed();
    };
    await Promise.all(Array.from({ length: 60 }, (_, i) => click(w.server.url, i % 3 === 0 ? 'techtom' : 'LENA10')));
    // Counted at once, written within a batch interval.
    expect(await clicksOf(w.server.url, organiser)).toMatchObject({ LENA10: 40, TECHTOM: 20 });
    await expect.poll(() => writes, { timeout: 2000 }).toBeGreaterThanOrEqual(2);
    // 60 clicks of two codes: one write per code per batch, and a busy machine may split the burst over a few.
    expect(writes).toBeLessThanOrEqual(10);
    await click(w.server.url, 'LENA10');
    await w.restart(); // closing flushes what is pending
    expect(await clicksOf(w.server.url, organiser)).toMatchObject({ LENA10: 41, TECHTOM: 20, CERAMICLUB: 0 });
  });

  it('refuse a client address that clicks faster than the limit with 429, without counting those clicks', async () => {
    const { w, organiser } = await linkWorld({ redirects: { perSecond: 0.01, burst: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await click(w.server.url, 'LENA10')).status);
    expect(statuses).toEqual([302, 302, 302, 429, 429]);
    expect((await clicksOf(w.server.url, organiser))['LENA10']).toBe(3);
  });
});
