import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { demoWorld, eventually, type World } from './test-support.ts';

/**
 * The drop's live Q&A, tried as shoppers and as an attacker holding the page's real storefront token would:
 * asking, reading with ETags, the live feed, moderation by staff only, bans, rate limits, no personal data.
 */
type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const base = `/api/events/${DEMO_EVENT_ID}/qa`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by expect()
type Body = any;
const browserKey = () => randomBytes(32).toString('base64url');

async function call(d: Demo, path: string, init: { method?: string; token?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const token = init.token === undefined ? d.demo.storefrontToken : init.token;
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${d.server.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: res.headers };
}

const ask = (d: Demo, key: string, text: string, extra: Record<string, unknown> = {}) => call(d, `${base}/questions`, { method: 'POST', body: { browserKey: key, text, ...extra } });
const list = async (d: Demo) => (await call(d, base)).body.questions as Body[];
const tillToken = (d: Demo, eventId = DEMO_EVENT_ID) => d.server.auth.issue({ role: 'till', eventId, tillId: 'till-qa', brandIds: ['north-thread'], locationId: 'hub-east', label: 'booth till', createdAt: Date.now() });

/** Opens the live feed and collects its events as text. */
async function watch(d: Demo): Promise<{ text: () => string; close: () => void }> {
  const ctrl = new AbortController();
  const res = await fetch(`${d.server.url}${base}/stream?token=${d.demo.storefrontToken}`, { signal: ctrl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  let text = '';
  const reader = res.body!.getReader();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += new TextDecoder().decode(value);
    }
  })();
  return { text: () => text, close: () => ctrl.abort() };
}

const qaEvents = (text: string) => text.split('\n\n').filter((b) => b.startsWith('event: qa')).map((b) => JSON.parse(b.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as Body);

describe('live Q&A: shoppers ask', () => {
  it('shows a question under a pseudonym, never the browser key, and serves the list with an ETag for a second', async () => {
    const d = await demoWorld();
    w = d;
    const key = browserKey();
    const asked = await ask(d, key, '  Does the hoodie run small?  ', { sku: 'NT-HOODIE-M' });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ text: 'Does the hoodie run small?', sku: 'NT-HOODIE-M', pinned: false });
    expect(asked.body.shopper).toMatch(/^Shopper [0-9A-F]{4}$/);
    const first = await call(d, base);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=1, stale-while-revalidate=5');
    expect(JSON.stringify(first.body)).not.toContain(key);
    expect(Object.keys(first.body.questions[0]).sort()).toEqual(['askedAt', 'id', 'pinned', 'shopper', 'sku', 'text']);
    const again = await call(d, base, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
    // The same browser keeps its pseudonym; another browser gets another.
    expect((await ask(d, key, 'And the tee?')).body.shopper).toBe(asked.body.shopper);
  });

  it('refuses e-mail addresses, phone numbers, empty or over-long questions and unknown products, storing nothing', async () => {
    const d = await demoWorld();
    w = d;
    const key = browserKey();
    for (const [text, extra] of [
      ['write me at lena@example.com please', {}],
      ['call me on +49 170 1234567', {}],
      ['?!', {}],
      ['x'.repeat(301), {}],
      ['Is it real?', { sku: 'NO-SUCH-SKU' }],
    ] as const) {
      const r = await ask(d, key, text, extra);
      expect(r.status, text).toBe(422);
      expect(r.body.type).toBe('ValidationError');
    }
    expect((await call(d, `${base}/questions`, { method: 'POST', body: { text: 'no key at all?' } })).body).toMatchObject({ type: 'ValidationError', field: 'browserKey' });
    expect(await list(d)).toEqual([]);
  });

  it('strips control and invisible direction characters: a question is plain text', async () => {
    const d = await demoWorld();
    w = d;
    const r = await ask(d, browserKey(), 'Is\u0007 it \u202Ereal\u200B?');
    expect(r.body.text).toBe('Is it real?');
  });

  it('limits questions per browser and per address, and a storefront token alone cannot post for the staff', async () => {
    const d = await demoWorld({ qa: { limits: { perSenderPerMinute: 2, perAddressPerMinute: 4 } } });
    w = d;
    const key = browserKey();
    expect((await ask(d, key, 'one?')).status).toBe(201);
    expect((await ask(d, key, 'two?')).status).toBe(201);
    const third = await ask(d, key, 'three?');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ type: 'QaRateLimited', details: { limit: 'qa-sender' } });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    // A script's fresh keys from the same address run into the address limit.
    expect((await ask(d, browserKey(), 'four?')).status).toBe(201);
    expect((await ask(d, browserKey(), 'five?')).status).toBe(201);
    const sixth = await ask(d, browserKey(), 'six?');
    expect(sixth.status).toBe(429);
    expect(sixth.body.details.limit).toBe('qa-address');
    expect((await list(d)).length).toBe(4);
    // Asking needs the drop's storefront token: no token, or a staff token, is refused.
    expect((await call(d, `${base}/questions`, { method: 'POST', token: null, body: { browserKey: browserKey(), text: 'hi there' } })).status).toBe(401);
    expect((await call(d, `${base}/questions`, { method: 'POST', token: d.demo.organiserToken, body: { browserKey: browserKey(), text: 'hi there' } })).status).toBe(403);
  });
});

describe('live Q&A: staff answer and moderate', () => {
  it('lets only the event\'s organiser and tills answer, pin, hide or ban; a storefront token changes nothing', async () => {
    const d = await demoWorld();
    w = d;
    const q = (await ask(d, browserKey(), 'When do you restock?')).body;
    const other = await d.server.auth.issue({ role: 'organiser', eventId: 'another-event', label: 'rival', createdAt: Date.now() });
    for (const token of [d.demo.storefrontToken, other, null]) {
      expect((await call(d, `${base}/questions/${q.id}/answer`, { method: 'PUT', token, body: { text: 'Never!' } })).status).toBeGreaterThanOrEqual(401);
      expect((await call(d, `${base}/questions/${q.id}`, { method: 'PATCH', token, body: { hidden: true } })).status).toBeGreaterThanOrEqual(401);
      expect((await call(d, `${base}/questions/${q.id}/ban-sender`, { method: 'POST', token })).status).toBeGreaterThanOrEqual(401);
      expect((await call(d, `${base}/moderation`, { token })).status).toBeGreaterThanOrEqual(401);
    }
    expect((await call(d, `${base}/questions/${q.id}/answer`, { method: 'PUT', body: { text: 'x' } })).body.type).toBe('HttpError');
    expect(await list(d)).toEqual([q]);

    const till = await tillToken(d);
    const answered = await call(d, `${base}/questions/${q.id}/answer`, { method: 'PUT', token: till, body: { text: 'Saturday at noon.' } });
    expect(answered.status).toBe(200);
    expect(answered.body.answer).toMatchObject({ text: 'Saturday at noon.', byRole: 'till', byLabel: 'booth till' });
    const shown = (await list(d))[0];
    // Shoppers see the answer, not who on the staff gave it.
    expect(shown.answer).toEqual({ text: 'Saturday at noon.', answeredAt: expect.any(Number) });
    expect((await call(d, `${base}/questions/nope/answer`, { method: 'PUT', token: till, body: { text: 'x' } })).body.type).toBe('QuestionNotFound');
    expect((await call(d, `${base}/questions/${q.id}`, { method: 'PATCH', token: till, body: { pinned: 'yes' } })).body).toMatchObject({ type: 'ValidationError', field: 'pinned' });
  });

  it('puts pinned questions first and takes hidden ones off every page', async () => {
    const d = await demoWorld();
    w = d;
    const a = (await ask(d, browserKey(), 'First question?')).body;
    const b = (await ask(d, browserKey(), 'Second question?')).body;
    const c = (await ask(d, browserKey(), 'Rude question?')).body;
    const org = d.demo.organiserToken;
    expect((await list(d)).map((x: Body) => x.id)).toEqual([c.id, b.id, a.id]);
    await call(d, `${base}/questions/${a.id}`, { method: 'PATCH', token: org, body: { pinned: true } });
    await call(d, `${base}/questions/${c.id}`, { method: 'PATCH', token: org, body: { hidden: true } });
    expect((await list(d)).map((x: Body) => x.id)).toEqual([a.id, b.id]);
    const mod = (await call(d, `${base}/moderation`, { token: org })).body;
    expect(mod.questions.map((x: Body) => [x.id, x.hidden])).toEqual([[c.id, true], [b.id, false], [a.id, false]]);
    for (const x of mod.questions) expect(x).not.toHaveProperty('sender');
  });

  it('bans a sender by one of their questions: everything they asked is hidden and they cannot ask again', async () => {
    const d = await demoWorld();
    w = d;
    const troll = browserKey();
    const q1 = (await ask(d, troll, 'spam one?')).body;
    await ask(d, troll, 'spam two?');
    const fine = (await ask(d, browserKey(), 'A real question?')).body;
    const ban = await call(d, `${base}/questions/${q1.id}/ban-sender`, { method: 'POST', token: d.demo.organiserToken });
    expect(ban.body).toEqual({ shopper: q1.shopper, hidden: 2 });
    expect((await list(d)).map((x: Body) => x.id)).toEqual([fine.id]);
    const again = await ask(d, troll, 'I am back?');
    expect(again.status).toBe(403);
    expect(again.body.type).toBe('QaSenderBanned');
    expect((await list(d)).length).toBe(1);
  });
});

describe('live Q&A: the feed and the record', () => {
  it('sends an answer, a pin and a hide to every watching shopper, coalesced into one message', async () => {
    const d = await demoWorld({ qa: { coalesceMs: 150 } });
    w = d;
    const a = (await ask(d, browserKey(), 'Will it ship to Berlin?')).body;
    const b = (await ask(d, browserKey(), 'Spam?')).body;
    const one = await watch(d);
    const two = await watch(d);
    await eventually(async () => expect(one.text()).toContain('event: snapshot'));
    const org = d.demo.organiserToken;
    await Promise.all([
      call(d, `${base}/questions/${a.id}/answer`, { method: 'PUT', token: org, body: { text: 'Yes, in 2 days.' } }).then(() => call(d, `${base}/questions/${a.id}`, { method: 'PATCH', token: org, body: { pinned: true } })),
      call(d, `${base}/questions/${b.id}`, { method: 'PATCH', token: org, body: { hidden: true } }),
    ]);
    for (const s of [one, two]) {
      await eventually(async () => {
        const got = qaEvents(s.text());
        expect(got.length).toBe(1);
        expect(got[0].changes).toEqual(expect.arrayContaining([{ ...a, pinned: true, answer: { text: 'Yes, in 2 days.', answeredAt: expect.any(Number) } }, { id: b.id, removed: true }]));
        expect(got[0].changes.length).toBe(2);
      });
    }
    one.close();
    two.close();
  });

  it('bounds the open feeds per address (one storefront token carries the whole drop)', async () => {
    const d = await demoWorld({ qa: { maxStreamsPerAddress: 2 } });
    w = d;
    const one = await watch(d);
    const two = await watch(d);
    const third = await fetch(`${d.server.url}${base}/stream?token=${d.demo.storefrontToken}`);
    expect(third.status).toBe(429);
    expect(((await third.json()) as Body).type).toBe('QaTooManyWatchers');
    expect((await fetch(`${d.server.url}${base}/stream?token=not-a-token`)).status).toBe(401);
    one.close();
    two.close();
  });

  it('keeps the questions with the event across a restart, for the organiser\'s post-drop analysis (JSON and CSV)', async () => {
    const clock = { now: Date.now() };
    const d = await demoWorld({ now: () => clock.now });
    w = d;
    const q = (await ask(d, browserKey(), '=cmd|calc? what size is the tee', { sku: 'NT-HOODIE-L' })).body;
    await ask(d, browserKey(), 'Is the tee organic?', { sku: 'NT-HOODIE-L' });
    clock.now += 90_000;
    await call(d, `${base}/questions/${q.id}/answer`, { method: 'PUT', token: d.demo.organiserToken, body: { text: 'True to size.' } });
    await d.restart();
    expect((await call(d, `${base}/analysis`)).status).toBe(403);
    const tokenAfter = d.demo.organiserToken;
    const a = (await call(d, `${base}/analysis`, { token: tokenAfter })).body;
    expect(a.summary).toMatchObject({ questions: 2, answered: 1, askers: 2, medianSecondsToAnswer: 90, bySku: [{ sku: 'NT-HOODIE-L', questions: 2, answered: 1 }] });
    expect(a.questions[0]).toMatchObject({ id: q.id, secondsToAnswer: 90, answeredBy: 'demo organiser (organiser)' });
    const csv = await call(d, `${base}/analysis?format=csv`, { token: tokenAfter });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.body).toContain("'=cmd|calc? what size is the tee");
    // A new question after the restart continues the numbering instead of overwriting the first.
    const next = (await ask(d, browserKey(), 'After the restart?')).body;
    expect(next.id).toBe('q3');
  });
});
