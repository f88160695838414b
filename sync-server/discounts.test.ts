import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { BrandDoc, brandDocName, SetupDoc, setupDocName } from '../core/event/schema.ts';
import { managersOf } from '../core/ledger/entry-rules.ts';
import { LedgerWriter } from '../core/ledger/rights.ts';
import { tillHolder } from '../core/ledger/holders.ts';
import { HybridClock } from '../core/base/hlc.ts';
import { formatReceiptNumber } from '../core/base/ids.ts';
import { epochToZonedLocal } from '../core/base/zoned-time.ts';
import { buildCheckout, priceItems, resolveCoupons } from '../core/selling/checkout.ts';
import type { Cart } from '../core/selling/cart.ts';
import type { Coupon } from '../core/selling/discounts.ts';
import type { StaffRole } from '../core/event/staff.ts';
import type { PairedTill } from './event-service.ts';
import { syncUpdate } from './protocol.ts';
import { api, copyOfServerDoc, demoWorld, eventually, joinedRawClient, pairTill, rejections, storedState, updateOf, viewOf, type World } from './test-support.ts';

/**
 * Discounts and coupons as the server judges them (core/selling/discounts.ts, sale-rules.ts): an attacker
 * holding a real till token builds a sale with the till's own checkout code but lies to it (a cashier who
 * "is" a manager, a coupon that "exists"), so every figure adds up and only the discount rule can catch it.
 * Each is refused with close code 4422 naming the rule, and nothing stored changes.
 */
const E = DEMO_EVENT_ID;
const NT = brandDocName(E, 'north-thread');
const TZ = 'Europe/Paris';

let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const local = (ms: number) => epochToZonedLocal(ms, TZ);

async function arena() {
  const d = await demoWorld();
  w = d;
  const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
  const put = async (code: string, body: Omit<Coupon, 'code'>) => {
    const res = await api(d.server.url, 'PUT', `/api/events/${E}/coupons/${code}`, { token: d.demo.organiserToken, body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  const now = Date.now();
  await put('SUMMER10', { name: 'Summer 10 %', brandId: 'north-thread', percentBp: 1000, validFrom: local(now - 86_400_000), validUntil: local(now + 86_400_000) });
  await put('OLD5', { name: 'Last week', brandId: 'north-thread', percentBp: 500, validFrom: local(now - 7 * 86_400_000), validUntil: local(now - 86_400_000) });
  await put('MUGS', { name: 'Mug lovers', brandId: 'mellow-ceramics', percentBp: 1000, validFrom: local(now - 86_400_000), validUntil: local(now + 86_400_000) });
  await put('LAST1', { name: 'One only', brandId: 'north-thread', amount: 100, usageLimit: 1, validFrom: local(now - 86_400_000), validUntil: local(now + 86_400_000) });
  return { d, till };
}

interface Lies {
  cashierId?: string;
  /** What the attacker's till believes roles are. */
  roleOf?: (id: string) => StaffRole | undefined;
  /** Coupons the attacker's till believes exist. */
  coupons?: Coupon[];
}

/** A sale built by the till's own checkout over replicas of the server's documents, with whatever lies it is told. */
async function build(d: NonNullable<typeof w>, till: PairedTill, cart: Cart, lies: Lies = {}, receiptSeq = 1) {
  const setupDoc = await copyOfServerDoc(d.server, setupDocName(E));
  const replica = await copyOfServerDoc(d.server, NT);
  const setup = new SetupDoc(setupDoc);
  const config = setup.config()!;
  const brand = new BrandDoc(replica);
  const staff = setup.staff().items;
  const clock = new HybridClock(till.deviceId, { now: () => Date.now() });
  const view = viewOf(replica);
  const holder = tillHolder(till.tillId);
  const prefix = setup.tills().items.find((t) => t.id === till.tillId)!.receiptPrefix;
  const couponOf = (code: string) => (lies.coupons ?? setup.coupons().items).find((c) => c.code.toLowerCase() === code.toLowerCase());
  const now = Date.now();
  const brandIds = [...new Set(cart.lines.map((l) => l.brandId))];
  const coupons = resolveCoupons(cart, brandIds, couponOf);
  const total = priceItems(cart.lines, config, (_b, s) => brand.productBySku(s), now, { cart: cart.discount, coupon: coupons.get('north-thread') }).totals.total;
  const result = buildCheckout(
    { cart, payments: [{ method: 'cash', amount: total }], cashierId: lies.cashierId ?? 'ana', now },
    {
      config,
      deviceId: till.deviceId,
      tillId: till.tillId,
      holder,
      receiptNumber: formatReceiptNumber(prefix, receiptSeq),
      clock,
      product: (_b, s) => brand.productBySku(s),
      writer: () => new LedgerWriter(till.deviceId, clock, view, (h) => (h === holder ? till.deviceId : undefined)),
      isManager: managersOf(staff),
      roleOf: lies.roleOf ?? ((id) => staff.find((m) => m.id === id)?.role),
      coupon: couponOf,
      couponUses: () => [],
    },
  );
  const sale = result.sales[0]!;
  const entries = result.entries.get('north-thread')!;
  return { sale, entries, update: updateOf(replica, (doc) => new BrandDoc(doc).appendSale(sale, entries)) };
}

/** Sends the update as the till; expects 4422 whose reason starts with the named error. */
async function expectRefused(d: NonNullable<typeof w>, till: PairedTill, update: Uint8Array, error: string) {
  const before = await storedState(d.server, NT);
  const c = await joinedRawClient(d, NT, till.token);
  c.send(syncUpdate(update));
  const closed = await c.closed;
  expect(closed.code).toBe(4422);
  expect(closed.reason.startsWith(`${error}: `), closed.reason).toBe(true);
  expect(await storedState(d.server, NT)).toEqual(before);
  await eventually(async () => expect((await rejections(d.server.url, E, d.demo.organiserToken)).at(-1)?.reason).toMatch(new RegExp(`^${error}: `)));
}

/** Sends the update as the till and waits until the server holds the sale. */
async function expectAccepted(d: NonNullable<typeof w>, till: PairedTill, update: Uint8Array, saleId: string) {
  const c = await joinedRawClient(d, NT, till.token);
  c.send(syncUpdate(update));
  const held = () => d.server.hub.read(NT, (doc) => new BrandDoc(doc).saleById(saleId) !== undefined);
  await eventually(async () => expect(await held(), JSON.stringify(await rejections(d.server.url, E, d.demo.organiserToken))).toBe(true), 3000);
  c.close();
}

const tote = (qty = 1, discount?: Cart['lines'][number]['discount']) => ({ brandId: 'north-thread', sku: 'NT-TOTE', qty, ...(discount ? { discount } : {}) });

describe('discounts the server accepts', () => {
  it('accepts a cashier’s 10 % with a reason and a real coupon, counts the coupon’s use, and names both on the sale', async () => {
    const { d, till } = await arena();
    const { sale, update } = await build(d, till, { lines: [tote(2, { percentBp: 1000, reason: 'scuffed' })], coupons: ['summer10'] });
    expect(sale.discounts!.map((g) => [g.kind, g.reason])).toEqual([['line', 'scuffed'], ['coupon', 'Summer 10 %']]);
    await expectAccepted(d, till, update, sale.id);
    const listed = await api(d.server.url, 'GET', `/api/events/${E}/coupons`, { token: d.demo.organiserToken });
    expect((listed.body as { coupons: { code: string; uses: number }[] }).coupons.find((c) => c.code === 'SUMMER10')?.uses).toBe(1);
  });
});

describe('discounts an attacker with a real till token cannot record', () => {
  it('refuses a 99 % discount with no manager (DiscountCapError)', async () => {
    const { d, till } = await arena();
    // The attacker's till believes its cashier is a manager; the server knows Ana is a cashier.
    const { update } = await build(d, till, { lines: [tote(1)], discount: { percentBp: 9900, reason: 'friend' } }, { roleOf: () => 'manager' });
    await expectRefused(d, till, update, 'DiscountCapError');
  });

  it('refuses an unknown coupon (UnknownCouponError)', async () => {
    const { d, till } = await arena();
    const fake: Coupon = { code: 'FREE50', name: 'Free', brandId: 'north-thread', percentBp: 5000, validFrom: '2000-01-01T00:00', validUntil: '2100-01-01T00:00' };
    const { update } = await build(d, till, { lines: [tote(1)], coupons: ['FREE50'] }, { coupons: [fake] });
    await expectRefused(d, till, update, 'UnknownCouponError');
  });

  it('refuses an expired coupon (CouponNotValidError)', async () => {
    const { d, till } = await arena();
    const setup = new SetupDoc(await copyOfServerDoc(d.server, setupDocName(E)));
    const old = setup.coupon('OLD5')!;
    const { update } = await build(d, till, { lines: [tote(1)], coupons: ['OLD5'] }, { coupons: [{ ...old, validUntil: '2100-01-01T00:00' }] });
    await expectRefused(d, till, update, 'CouponNotValidError');
  });

  it('refuses a coupon for another brand (CouponNotApplicableError)', async () => {
    const { d, till } = await arena();
    const setup = new SetupDoc(await copyOfServerDoc(d.server, setupDocName(E)));
    const mugs = setup.coupon('MUGS')!;
    const { update } = await build(d, till, { lines: [tote(1)], coupons: ['MUGS'] }, { coupons: [{ ...mugs, brandId: 'north-thread' }] });
    await expectRefused(d, till, update, 'CouponNotApplicableError');
  });

  it('refuses a discount larger than its line, which would make it negative (DiscountTooLargeError)', async () => {
    const { d, till } = await arena();
    const socks = { brandId: 'north-thread', sku: 'NT-SOCKS', qty: 3 };
    const { sale, entries } = await build(d, till, { lines: [tote(1, { amount: 100, reason: 'scuffed' }), socks] });
    // The bytes rewritten: 2 000 off the 1 050 tote, every figure made to add up (the socks keep the total
    // positive, so only the discount rule can see it; a negative TOTAL is refused by the sale's shape).
    const line = sale.lines[0]!;
    const off = 2000;
    const gross = line.unitPrice - off;
    Object.assign(line, { lineDiscount: off, gross, net: gross, tax: 0 });
    sale.discounts = [{ kind: 'line', line: 0, amount: off, reason: 'scuffed', total: off }];
    const sum = (f: (l: (typeof sale.lines)[number]) => number) => sale.lines.reduce((a, l) => a + f(l), 0);
    Object.assign(sale, { net: sum((l) => l.net), tax: sum((l) => l.tax), total: sum((l) => l.gross), discount: sale.discount + off - 100 });
    sale.payments = [{ method: 'cash', amount: sale.total }];
    expect(sale.total).toBeGreaterThan(0);
    const replica = await copyOfServerDoc(d.server, NT);
    await expectRefused(d, till, updateOf(replica, (doc) => new BrandDoc(doc).appendSale(sale, entries)), 'DiscountTooLargeError');
  });

  it('accepts one over-limit use per till (the offline race) and refuses a second (CouponUsedUpError)', async () => {
    const { d, till } = await arena();
    const first = await build(d, till, { lines: [tote(1)], coupons: ['LAST1'] }, {}, 1);
    await expectAccepted(d, till, first.update, first.sale.id);
    // Made "offline": the till did not know the one use was gone.
    const second = await build(d, till, { lines: [tote(1)], coupons: ['LAST1'] }, {}, 2);
    await expectAccepted(d, till, second.update, second.sale.id);
    const third = await build(d, till, { lines: [tote(1)], coupons: ['LAST1'] }, {}, 3);
    await expectRefused(d, till, third.update, 'CouponUsedUpError');
  });

  it('raises a coupon-over-limit alert for the use it accepted past the limit, and none for the use within it', async () => {
    const { d, till } = await arena();
    const first = await build(d, till, { lines: [tote(1)], coupons: ['LAST1'] }, {}, 1);
    await expectAccepted(d, till, first.update, first.sale.id);
    const second = await build(d, till, { lines: [tote(1)], coupons: ['LAST1'] }, {}, 2);
    await expectAccepted(d, till, second.update, second.sale.id);
    type Listed = { alerts: { id: string; kind: string; message: string; subject: { ref?: string } }[] };
    const overLimit = async () => ((await api(d.server.url, 'GET', `/api/events/${E}/alerts`, { token: d.demo.organiserToken })).body as Listed).alerts.filter((a) => a.kind === 'coupon-over-limit');
    await eventually(async () => expect((await overLimit()).map((a) => a.subject.ref)).toEqual([second.sale.id]), 3000);
    expect((await overLimit())[0]!.message).toContain(`coupon LAST1 used beyond its limit of 1: receipt ${second.sale.receiptNumber}`);
  });
});


/**
 * The guard keeps the parsed set-up (config, staff, till prefixes, coupons) between updates
 * (sync-server/setup-snapshot.ts). Each test first makes the server judge a sale, so the set-up is cached,
 * then changes the set-up or catalog through the organiser's own API, and checks the next sale is judged by
 * the change — in both directions (something refused becomes allowed, and the old state is not used).
 */
describe('set-up and catalog changes made after the server has judged a sale', () => {
  it('honours a coupon the organiser adds after an unknown-coupon refusal was judged against the cached set-up', async () => {
    const { d, till } = await arena();
    const warm = await build(d, till, { lines: [tote(1)] }, {}, 1);
    await expectAccepted(d, till, warm.update, warm.sale.id);
    const late: Coupon = { code: 'LATE10', name: 'Late 10 %', brandId: 'north-thread', percentBp: 1000, validFrom: local(Date.now() - 86_400_000), validUntil: local(Date.now() + 86_400_000) };
    const early = await build(d, till, { lines: [tote(1)], coupons: ['LATE10'] }, { coupons: [late] }, 2);
    await expectRefused(d, till, early.update, 'UnknownCouponError');
    const { code, ...body } = late;
    expect((await api(d.server.url, 'PUT', `/api/events/${E}/coupons/${code}`, { token: d.demo.organiserToken, body })).status).toBe(200);
    const honoured = await build(d, till, { lines: [tote(1)], coupons: ['LATE10'] }, {}, 3);
    await expectAccepted(d, till, honoured.update, honoured.sale.id);
  });

  it('judges a cashier’s discount by the role the organiser gave her since, both ways', async () => {
    const { d, till } = await arena();
    const twenty = { lines: [tote(1, { percentBp: 2000, reason: 'display model' })] };
    const warm = await build(d, till, { lines: [tote(1)] }, {}, 1);
    await expectAccepted(d, till, warm.update, warm.sale.id);
    // Ana is a cashier (cap 10 %): 20 % is refused, from the set-up the guard has just cached.
    await expectRefused(d, till, (await build(d, till, twenty, { roleOf: () => 'supervisor' }, 2)).update, 'DiscountCapError');
    await d.server.events.putStaff(E, [{ id: 'ana', name: 'Ana', role: 'supervisor', pin: '1234' }], 100_000);
    const promoted = await build(d, till, twenty, {}, 3);
    await expectAccepted(d, till, promoted.update, promoted.sale.id);
    // And back: the supervisor's cap is not kept once she is a cashier again.
    await d.server.events.putStaff(E, [{ id: 'ana', name: 'Ana', role: 'cashier', pin: '1234' }], 100_000);
    await expectRefused(d, till, (await build(d, till, twenty, { roleOf: () => 'supervisor' }, 4)).update, 'DiscountCapError');
  });

  it('accepts a sale at the new price after a re-pricing, still accepts the old price by the catalog history, and refuses a price never set', async () => {
    const { d, till } = await arena();
    const before = await build(d, till, { lines: [tote(1)] }, {}, 1);
    await expectAccepted(d, till, before.update, before.sale.id);
    const [tote0] = (await d.server.events.products(E)).filter((p) => p.sku === 'NT-TOTE');
    // Built on the catalog as it was (a till offline through the change), sent after it.
    const offline = await build(d, till, { lines: [tote(1)] }, {}, 2);
    await d.server.events.putProducts(E, [{ ...tote0!, price: tote0!.price + 500 }]);
    const after = await build(d, till, { lines: [tote(1)] }, {}, 3);
    expect(after.sale.lines[0]!.listPrice).toBe(tote0!.price + 500);
    await expectAccepted(d, till, after.update, after.sale.id);
    await expectAccepted(d, till, offline.update, offline.sale.id);
    const invented = await build(d, till, { lines: [tote(1)] }, {}, 4);
    const line = invented.sale.lines[0]!;
    const off = 200;
    Object.assign(line, { listPrice: line.listPrice - off, unitPrice: line.unitPrice - off, gross: line.gross - off, net: line.net - off });
    Object.assign(invented.sale, { net: invented.sale.net - off, total: invented.sale.total - off, payments: [{ method: 'cash', amount: invented.sale.total - off }] });
    const replica = await copyOfServerDoc(d.server, NT);
    const c = await joinedRawClient(d, NT, till.token);
    c.send(syncUpdate(updateOf(replica, (doc) => new BrandDoc(doc).appendSale(invented.sale, invented.entries))));
    expect((await c.closed).code).toBe(4422);
    expect(await d.server.hub.read(NT, (doc) => new BrandDoc(doc).saleById(invented.sale.id))).toBeUndefined();
  });
});
