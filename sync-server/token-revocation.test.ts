import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID, demoConfig } from '../core/event/demo-event.ts';
import { brandDocName } from '../core/event/schema.ts';
import { hashToken, tokenId } from './auth.ts';
import { CloseCode } from './close-codes.ts';
import { api, demoWorld, joinedRawClient, rawClient, until, type World } from './test-support.ts';

/**
 * Tokens can be listed (never shown) and revoked by the event's organiser or an admin, and may expire. A
 * revoked or expired token's open WebSockets close with a named code and its SSE streams end at once; from
 * then on it is refused by name, over HTTP (401) and WebSocket (close code).
 */
const E = DEMO_EVENT_ID;
const OTHER = 'other-fair';
const BRAND_DOC = brandDocName(E, 'north-thread');

type Demo = World & Awaited<ReturnType<typeof demoWorld>>;
let w: Demo | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

interface Listed {
  id: string;
  role: string;
  label: string;
  eventId?: string;
  revokedAt?: number;
  expiresAt?: number;
}

async function start(): Promise<Demo> {
  w = await demoWorld();
  return w;
}

async function issue(d: Demo, token: string, body: Record<string, unknown>, eventId = E): Promise<{ token: string; id: string }> {
  const res = await api(d.server.url, 'POST', `/api/events/${eventId}/tokens`, { token, body });
  if (res.status !== 201) throw new Error(`issue: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { token: string; id: string };
}

async function list(d: Demo, token: string, eventId = E): Promise<Listed[]> {
  const res = await api(d.server.url, 'GET', `/api/events/${eventId}/tokens`, { token });
  if (res.status !== 200) throw new Error(`list: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { tokens: Listed[] }).tokens;
}

/** A second event with its own organiser. */
async function otherEvent(d: Demo): Promise<{ organiser: string }> {
  const created = await api(d.server.url, 'POST', '/api/events', { token: d.server.adminToken, body: { config: { ...demoConfig(Date.now()), id: OTHER, name: 'Other Fair' } } });
  expect(created.status).toBe(201);
  const { token } = await issue(d, d.server.adminToken, { role: 'organiser', label: 'other organiser' }, OTHER);
  return { organiser: token };
}

/** Opens a stock stream and records its events and when it ends. */
async function openStream(d: Demo, token: string) {
  const res = await fetch(`${d.server.url}/api/events/${E}/stock/stream?token=${encodeURIComponent(token)}`);
  expect(res.status).toBe(200);
  const events: string[] = [];
  const state = { ended: false };
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const name = /^event: (.*)$/m.exec(buf.slice(0, end))?.[1];
          if (name) events.push(name);
          buf = buf.slice(end + 2);
        }
      }
    } finally {
      state.ended = true;
    }
  })();
  await until(() => events.includes('snapshot'), 'the stream snapshot');
  return { events, state };
}

describe('listing tokens', () => {
  it('shows the organiser its own event’s tokens, never the tokens themselves, and not another event’s', async () => {
    const d = await start();
    const { organiser: otherOrganiser } = await otherEvent(d);
    const shop = await issue(d, d.demo.organiserToken, { role: 'storefront', label: 'web shop' });
    const otherShop = await issue(d, otherOrganiser, { role: 'storefront', label: 'other shop' }, OTHER);

    const res = await api(d.server.url, 'GET', `/api/events/${E}/tokens`, { token: d.demo.organiserToken });
    expect(res.status).toBe(200);
    const tokens = (res.body as { tokens: Listed[] }).tokens;
    expect(tokens.map((t) => t.label)).toEqual(expect.arrayContaining(['demo storefront', 'demo organiser', 'web shop']));
    expect(tokens.find((t) => t.id === shop.id)).toMatchObject({ role: 'storefront', label: 'web shop', eventId: E });
    expect(tokens.every((t) => t.eventId === E)).toBe(true);
    expect(tokens.some((t) => t.id === otherShop.id)).toBe(false);
    // Nothing in the answer lets anyone use a token: no token, no full hash.
    const text = JSON.stringify(res.body);
    for (const secret of [shop.token, d.demo.storefrontToken, d.demo.organiserToken]) expect(text).not.toContain(secret);
    expect(tokens.every((t) => /^[0-9a-f]{16}$/.test(t.id))).toBe(true);

    // The other event's organiser cannot list this event's tokens; a storefront cannot list any.
    expect((await api(d.server.url, 'GET', `/api/events/${E}/tokens`, { token: otherOrganiser })).status).toBe(403);
    expect((await api(d.server.url, 'GET', `/api/events/${E}/tokens`, { token: d.demo.storefrontToken })).status).toBe(403);
  });
});

describe('revoking a token', () => {
  it('closes its open WebSocket with TokenRevoked, ends its SSE stream, and refuses it by name from then on', async () => {
    const d = await start();
    const shop = await issue(d, d.demo.organiserToken, { role: 'storefront', label: 'leaked shop' });
    const ws = await joinedRawClient(d, BRAND_DOC, shop.token);
    const stream = await openStream(d, shop.token);
    // Another token of the event is not touched.
    const bystander = await joinedRawClient(d, BRAND_DOC, d.demo.storefrontToken);

    const res = await api(d.server.url, 'POST', `/api/events/${E}/tokens/${shop.id}/revoke`, { token: d.demo.organiserToken, body: { reason: 'leaked on a forum' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token: { id: shop.id, revokedReason: 'leaked on a forum' } });

    expect((await ws.closed).code).toBe(CloseCode.TokenRevoked);
    await until(() => stream.state.ended, 'the SSE stream to end');
    expect(stream.events).toContain('TokenRevoked');

    const next = await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: shop.token });
    expect(next.status).toBe(401);
    expect(next.body).toMatchObject({ type: 'TokenRevoked' });
    expect((next.body as { message: string }).message).toMatch(/revoked .*leaked on a forum/);
    expect((await rawClient(d, BRAND_DOC, shop.token).closed).code).toBe(CloseCode.TokenRevoked);
    const again = await fetch(`${d.server.url}/api/events/${E}/stock/stream?token=${encodeURIComponent(shop.token)}`);
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ type: 'TokenRevoked' });

    // The listing keeps it, marked; the other storefront is still connected and works.
    expect((await list(d, d.demo.organiserToken)).find((t) => t.id === shop.id)?.revokedAt).toBeTypeOf('number');
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
    expect((await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: d.demo.storefrontToken })).status).toBe(200);
  });

  it('is refused for another event’s token, and for an organiser token unless by an admin', async () => {
    const d = await start();
    const { organiser: otherOrganiser } = await otherEvent(d);
    const shop = await issue(d, d.demo.organiserToken, { role: 'storefront', label: 'shop' });

    // The other event's organiser: not through this event's path, nor by naming the id under its own event.
    expect((await api(d.server.url, 'POST', `/api/events/${E}/tokens/${shop.id}/revoke`, { token: otherOrganiser })).status).toBe(403);
    const foreign = await api(d.server.url, 'POST', `/api/events/${OTHER}/tokens/${shop.id}/revoke`, { token: otherOrganiser });
    expect(foreign.status).toBe(404);
    // A storefront cannot revoke; an unknown id is named.
    expect((await api(d.server.url, 'POST', `/api/events/${E}/tokens/${shop.id}/revoke`, { token: d.demo.storefrontToken })).status).toBe(403);
    expect((await api(d.server.url, 'POST', `/api/events/${E}/tokens/0123456789abcdef/revoke`, { token: d.demo.organiserToken })).status).toBe(404);
    // Nothing was revoked.
    expect((await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: shop.token })).status).toBe(200);
    expect((await list(d, d.demo.organiserToken)).every((t) => t.revokedAt === undefined)).toBe(true);

    // Organiser tokens are an admin's to withdraw, as they are an admin's to hand out.
    const organiserId = (await list(d, d.demo.organiserToken)).find((t) => t.role === 'organiser')!.id;
    const refused = await api(d.server.url, 'POST', `/api/events/${E}/tokens/${organiserId}/revoke`, { token: d.demo.organiserToken });
    expect(refused.status).toBe(403);
    expect((await api(d.server.url, 'GET', `/api/events/${E}/tokens`, { token: d.demo.organiserToken })).status).toBe(200);
    expect((await api(d.server.url, 'POST', `/api/events/${E}/tokens/${organiserId}/revoke`, { token: d.server.adminToken })).status).toBe(200);
    const after = await api(d.server.url, 'GET', `/api/events/${E}/tokens`, { token: d.demo.organiserToken });
    expect(after).toMatchObject({ status: 401, body: { type: 'TokenRevoked' } });
  });
});

describe('token expiry', () => {
  it('refuses a token after its expiresAt and closes its open connections then', async () => {
    const d = await start();
    const expiresAt = Date.now() + 1500;
    const shop = await issue(d, d.demo.organiserToken, { role: 'storefront', label: 'one-day shop', expiresAt });
    expect((await list(d, d.demo.organiserToken)).find((t) => t.id === shop.id)?.expiresAt).toBe(expiresAt);
    const ws = await joinedRawClient(d, BRAND_DOC, shop.token);
    const stream = await openStream(d, shop.token);
    expect((await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: shop.token })).status).toBe(200);

    const closed = await ws.closed;
    expect(closed.code).toBe(CloseCode.TokenExpired);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    await until(() => stream.state.ended, 'the SSE stream to end');
    expect(stream.events).toContain('TokenExpired');
    expect(await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: shop.token })).toMatchObject({ status: 401, body: { type: 'TokenExpired' } });
    expect((await rawClient(d, BRAND_DOC, shop.token).closed).code).toBe(CloseCode.TokenExpired);
  });

  it('must be in the future when the token is issued', async () => {
    const d = await start();
    const res = await api(d.server.url, 'POST', `/api/events/${E}/tokens`, { token: d.demo.organiserToken, body: { role: 'storefront', expiresAt: Date.now() - 1000 } });
    expect(res).toMatchObject({ status: 422, body: { field: 'expiresAt' } });
    const bad = await api(d.server.url, 'POST', `/api/events/${E}/tokens`, { token: d.demo.organiserToken, body: { role: 'storefront', expiresAt: 'soon' } });
    expect(bad).toMatchObject({ status: 422, body: { field: 'expiresAt' } });
  });
});

describe('tokens issued before the by-event index', () => {
  it('are indexed once at start, so the organiser lists and revokes them', async () => {
    const d = await start();
    // A token stored as the server stored them before the index existed: by hash only.
    const legacy = `pp_${'L'.repeat(43)}`;
    await d.server.stores.server().put('tokens', hashToken(legacy), { role: 'storefront', eventId: E, label: 'old shop', createdAt: 1 });
    await d.server.stores.server().del('meta', 'tokens-indexed');
    await d.restart();

    const found = (await list(d, d.demo.organiserToken)).find((t) => t.label === 'old shop');
    expect(found).toMatchObject({ id: tokenId(hashToken(legacy)), role: 'storefront' });
    expect((await api(d.server.url, 'POST', `/api/events/${E}/tokens/${found!.id}/revoke`, { token: d.demo.organiserToken })).status).toBe(200);
    expect(await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: legacy })).toMatchObject({ status: 401, body: { type: 'TokenRevoked' } });
  });
});
