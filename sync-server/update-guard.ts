import * as Y from 'yjs';
import type { OwnerOf } from '../core/ledger/holders.ts';
import type { LedgerEntry } from '../core/ledger/ledger.ts';
import { parseRefund } from '../core/refunds/refund.ts';
import { parseReturnRequest } from '../core/ledger/return-request.ts';
import { parseRightsRequest } from '../core/ledger/rights-request.ts';
import { checkEntries } from '../core/ledger/rights.ts';
import { parseSale, type Sale } from '../core/selling/sale.ts';
import { checkEntryFields, checkEntryRules } from '../core/ledger/entry-rules.ts';
import { checkSaleFields, checkSaleRules } from '../core/selling/sale-rules.ts';
import { couponUses, DiscountError, type CouponUse } from '../core/selling/discounts.ts';
import { APPEND_ONLY_MAPS, BrandDoc, decodeEntry, decodeValue, TILL_MAPS, watchAppendOnly, type DocRef } from '../core/event/schema.ts';
import { parseVoidRecord } from '../core/reports/audit.ts';
import { parseShiftEvent } from '../core/event/shift.ts';
import { parseProduct, type Product } from '../core/catalog/catalog.ts';
import type { BalanceReader } from '../core/ledger/stock-view.ts';
import { SERVER_WRITER, tillHolder } from '../core/ledger/holders.ts';
import type { Claims } from './auth.ts';
import { checkSetupChanges, checkSetupValue } from './setup-rules.ts';
import { setupSnapshot } from './setup-snapshot.ts';
import { checkRefundRightsValue, RefundUpdateCheck } from './refund-rules.ts';

/**
 * Judges an incoming Yjs update BEFORE it touches the server's document. The update is decoded, not
 * applied: every struct the server does not have yet must be a plain value set under a new key of a known
 * top-level map, and each value must pass its schema. In a brand document the append-only maps may only
 * grow (no overwrite, no delete, nothing nested), ledger entries must be written by the sender's device and
 * keep every holder's rights at or above zero unless a manager override is recorded. A till document is
 * append-only too, and only its own till's device adds to it (records naming that till, made by that device).
 */
export type GuardResult = { ok: true; entries: LedgerEntry[] } | { ok: false; reason: string };

export interface GuardContext {
  doc: Y.Doc;
  ref: DocRef;
  claims: Claims;
  /** Brand documents: the server's current stock view and holder ownership. */
  view?: BalanceReader;
  ownerOf?: OwnerOf;
  /** Brand documents: the event's setup document (config, staff, tills), which the sale and entry rules read. */
  setup?: Y.Doc | undefined;
  /** The server's clock (epoch ms); ids and sale times further ahead than `maxAheadMs` are refused. */
  now?: number;
  /** How far ahead of `now` a record's time may be (default DEFAULT_MAX_AHEAD_MS). */
  maxAheadMs?: number;
}

/**
 * A till's clock may run fast, but not by a day: a record stamped far in the future would sort after
 * everything written since, and a sale dated into a deeper discount tier would be priced by it. 24 hours
 * tolerates any time-zone or daylight-saving mistake on a device; operators can narrow it (HubOptions).
 */
export const DEFAULT_MAX_AHEAD_MS = 24 * 60 * 60_000;

/**
 * The most bytes (UTF-8 of the JSON text) one value may have, per map. Measured on real values: a ledger
 * entry is ~120 bytes (an override ~250), a 20-line sale with a customer ~7 KiB, a product ~400 bytes, an
 * event config with all three 2,000-character policy texts ~7 KiB. The bounds leave 8–16× headroom and stop
 * a valid-looking value from carrying megabytes that every till downloads and keeps for ever.
 */
export const VALUE_LIMITS: Record<string, number> = {
  ledger: 2 * 1024,
  sales: 64 * 1024,
  refunds: 64 * 1024,
  requests: 2 * 1024,
  // 200 lines of a return request at ~40 bytes each.
  returns: 16 * 1024,
  products: 8 * 1024,
  catalogHistory: 8 * 1024,
  shifts: 8 * 1024,
  voids: 64 * 1024,
  event: 32 * 1024,
  brands: 4 * 1024,
  locations: 4 * 1024,
  tills: 8 * 1024,
  staff: 4 * 1024,
  creators: 4 * 1024,
  thresholds: 2 * 1024,
};
/** Any other map (the guard refuses unknown maps anyway): small, so the refusal is cheap. */
const DEFAULT_VALUE_LIMIT = 2 * 1024;

/** Maps keyed by a device-made id (`<prefix>_<hlc>`): the key's time is checked against the server's clock. */
const ID_KEYED_MAPS = new Set<string>([...APPEND_ONLY_MAPS, ...TILL_MAPS]);
const utf8 = new TextEncoder();

const deny = (reason: string): GuardResult => ({ ok: false, reason });

export function guardUpdate(update: Uint8Array, ctx: GuardContext): GuardResult {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return deny('the update could not be decoded');
  }
  // Setup maps are last-writer-wins (an organiser edits them); brand and till documents only grow. A setup
  // update's deletes are judged by what they do, per key and role, in checkSetupChanges (setup-rules.ts).
  const appendOnly = ctx.ref.kind !== 'setup';
  // The admin (the server's own root, and a LAN hub's bridge bringing in what the upstream's organiser
  // changed) may overwrite set-up values and catalog entries; what it may never do, like anyone, is change
  // or delete an append-only record — checked on a scratch copy below when its update overwrites anything.
  const trusted = ctx.claims.role === 'admin';
  let overwrites = false;
  if (appendOnly && !trusted && deletesAnythingNew(ctx.doc, decoded.ds)) return deny(`the update deletes or overwrites content of a ${ctx.ref.kind} document`);

  const entries: LedgerEntry[] = [];
  const sales: Sale[] = [];
  const seenKeys = new Set<string>();
  const nextClock = new Map<number, number>();
  const refundCheck = new RefundUpdateCheck();
  for (const struct of decoded.structs) {
    const known = Y.getState(ctx.doc.store, struct.id.client);
    if (struct.id.clock + struct.length <= known) continue; // already here: Yjs will skip it
    if (struct.id.clock < known) return deny('the update overlaps content the server already has');
    // Yjs holds back a struct that does not follow on from what it has ("pending") and integrates it when the
    // gap is filled, long after this check: its entries would never have been judged against that state.
    if (appendOnly && struct.id.clock > (nextClock.get(struct.id.client) ?? known)) return deny('the update skips content the server does not have');
    nextClock.set(struct.id.client, struct.id.clock + struct.length);
    if (!(struct instanceof Y.Item)) {
      // GC and Skip structs stand for deleted or missing content: an honest writer of new values sends none.
      if (trusted) {
        overwrites = true;
        continue;
      }
      if (appendOnly) return deny('the update carries deleted or skipped content');
      continue;
    }
    if (struct.content instanceof Y.ContentDeleted && !appendOnly) continue;
    const mapName = typeof struct.parent === 'string' ? struct.parent : undefined;
    const key = struct.parentSub;
    if (trusted && (!mapName || key === null || struct.origin !== null || struct.rightOrigin !== null)) {
      overwrites = true;
      continue;
    }
    if (!mapName || key === null) {
      return deny(struct.origin ? 'the update overwrites an existing value' : 'the update writes outside the document schema');
    }
    if (struct.origin !== null || struct.rightOrigin !== null) return deny(`the update overwrites ${mapName}/${key}`);
    if (!(struct.content instanceof Y.ContentAny) || struct.content.arr.length !== 1) {
      return deny(`${mapName}/${key} is not a single JSON value`);
    }
    if (seenKeys.has(`${mapName}\u0000${key}`)) return deny(`the update writes ${mapName}/${key} twice`);
    seenKeys.add(`${mapName}\u0000${key}`);
    const raw = struct.content.arr[0];
    const shape = checkValueShape(ctx, mapName, key, raw);
    if (shape) return deny(shape);
    const problem =
      ctx.ref.kind === 'brand'
        ? checkBrandValue(ctx, mapName, key, raw, entries, sales)
        : ctx.ref.kind === 'till'
          ? checkTillValue(ctx, ctx.ref.tillId, mapName, key, raw)
          : checkSetupValue(ctx.claims, mapName, key, raw);
    if (problem) return deny(problem);
    if (ctx.ref.kind === 'brand') refundCheck.note(mapName, raw);
  }
  // Refunds exactly once: each refund and refund-rights record against the rights (sync-server/refund-rules.ts).
  const refundProblem = ctx.ref.kind === 'brand' ? refundCheck.problem(ctx.doc, ctx.ownerOf) : undefined;
  if (refundProblem) return deny(refundProblem);
  if (overwrites || (trusted && appendOnly && decoded.ds.clients.size > 0)) {
    const scratch = new Y.Doc();
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(ctx.doc));
    const report = watchAppendOnly(scratch, () => Y.applyUpdate(scratch, update), ctx.ref.kind === 'till' ? TILL_MAPS : APPEND_ONLY_MAPS);
    scratch.destroy();
    if (report.violations.length) return deny(`${report.violations[0]}: append-only records are never changed`);
  }
  if (ctx.ref.kind === 'setup') {
    // Deletes included: what the update would do to each key is judged against the sender's role (setup-rules.ts).
    const problem = checkSetupChanges(ctx, update);
    if (problem) return deny(problem);
  }
  if (entries.length) {
    if (!ctx.view || !ctx.ownerOf) return deny('the event has no set-up on this server yet');
    try {
      checkEntries(ctx.view, entries, ctx.ownerOf);
    } catch (err) {
      return deny(err instanceof Error ? err.message : String(err));
    }
  }
  if (ctx.ref.kind === 'brand' && !trusted && (entries.length || sales.length)) {
    const problem = checkMeaning(ctx, entries, sales);
    if (problem) return deny(problem);
  }
  return { ok: true, entries };
}

/**
 * The shared prologue for every value of every document kind: JSON text (a string) — never a Yjs object,
 * array, nested type or binary, which no parser here reads the same way twice — within its map's size bound,
 * and, where the key is a device-made id, not stamped far ahead of the server's clock.
 */
function checkValueShape(ctx: GuardContext, mapName: string, key: string, raw: unknown): string | undefined {
  if (typeof raw !== 'string') return `${mapName}/${key} is not JSON text: values are stored as strings`;
  const limit = VALUE_LIMITS[mapName] ?? DEFAULT_VALUE_LIMIT;
  // A UTF-8 byte is at least one UTF-16 unit and at most three: only encode when the length alone cannot tell.
  if (raw.length > limit || (raw.length * 3 > limit && utf8.encode(raw).length > limit)) return `${mapName}/${key} is larger than ${limit} bytes`;
  if (ctx.ref.kind !== 'setup' && ID_KEYED_MAPS.has(mapName)) {
    const m = /^[a-z]{1,3}_([0-9a-z]{11})[0-9a-z]{4}-/.exec(key);
    const maxAhead = ctx.maxAheadMs ?? DEFAULT_MAX_AHEAD_MS;
    if (m && parseInt(m[1]!, 36) > serverNow(ctx) + maxAhead) return `${mapName}/${key} is dated more than ${Math.round(maxAhead / 60_000)} minutes ahead of the server's clock`;
  }
  return undefined;
}

const serverNow = (ctx: GuardContext): number => ctx.now ?? Date.now();

/**
 * What the new entries and sales of a till's (or a relaying hub's) update MEAN, judged against the event's
 * setup (config, managers, tills) and the brand's catalog: core/ledger/entry-rules.ts and core/selling/sale-rules.ts, the
 * same rules the till's checkout applied. A sale entry comes with its sale, and a sale with its entries.
 */
function checkMeaning(ctx: GuardContext, entries: readonly LedgerEntry[], sales: readonly Sale[]): string | undefined {
  if (!ctx.setup) return 'the event has no set-up on this server yet';
  // Parsed once per change of the set-up document, not per update (setup-snapshot.ts says why and how).
  const setup = setupSnapshot(ctx.setup);
  const config = setup.config;
  if (!config) return 'the event has no set-up on this server yet';
  const { isManager, limits } = setup;
  // Coupon uses are counted over the sales already in the brand document and those before this one in the
  // same update (core/selling/discounts.ts, checkCouponUse). Only sales that carry a coupon are decoded.
  const earlier: Sale[] = [];
  const couponUsesOf = (code: string): CouponUse[] => {
    const stored: Sale[] = [];
    for (const [key, raw] of ctx.doc.getMap('sales')) {
      if (typeof raw !== 'string' || !raw.includes('"kind":"coupon"')) continue;
      try {
        stored.push(parseSale(decodeValue(raw)));
      } catch {
        // An invalid stored sale is reported elsewhere (decodeMap); it counts no use.
        void key;
      }
    }
    const byId = new Map([...stored, ...earlier].map((s) => [s.id, s]));
    return couponUses(byId.values(), code);
  };
  const newEntries = new Map(entries.map((e) => [e.id, e]));
  const ledger = ctx.doc.getMap('ledger');
  const products = ctx.doc.getMap('products');
  const linesOf = new Map(sales.map((s) => [s.id, new Set(s.lines.map((l) => l.entryId))]));
  try {
    for (const e of entries) {
      checkEntryRules(e, { isManager, limits });
      if (e.kind === 'sale' && !linesOf.get(e.ref!)?.has(e.id)) return `sale entry ${e.id} comes without the sale ${e.ref} that lists it`;
    }
    for (const sale of sales) {
      const ahead = sale.wallTime - serverNow(ctx);
      if (ahead > (ctx.maxAheadMs ?? DEFAULT_MAX_AHEAD_MS)) return `sale ${sale.id} is dated ${Math.round(ahead / 60_000)} minutes ahead of the server's clock`;
      checkSaleRules(sale, {
        config,
        isManager,
        productVersions: (sku) => new BrandDoc(ctx.doc).productVersions(sku),
        product: (sku) => productOf(ctx.doc, sku, products.get(sku)),
        entry: (id) => {
          const found = newEntries.get(id);
          if (found) return found;
          const raw = ledger.get(id);
          try {
            return raw === undefined ? undefined : decodeEntry(id, raw);
          } catch {
            return undefined;
          }
        },
        receiptPrefix: setup.receiptPrefix,
        roleOf: setup.roleOf,
        coupon: setup.coupon,
        couponUses: couponUsesOf,
      });
      earlier.push(sale);
    }
  } catch (err) {
    // A refused discount or coupon is named (DiscountCapError, UnknownCouponError, …): the rejection list
    // tells the organiser which rule, and a till shows the cashier the same name.
    if (err instanceof DiscountError) return `${err.name}: ${err.message}`;
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}

/**
 * A brand's catalog entries as parsed, per document, while their stored text is unchanged: every sale's
 * lines are priced against them, and parsing the same product's JSON for each of thousands of sales a second
 * was a measurable part of the guard (docs/benchmarks.md). The stored string is the key: an edit replaces it.
 */
const parsedProducts = new WeakMap<Y.Doc, Map<string, { raw: unknown; product: Product | undefined }>>();
function productOf(doc: Y.Doc, sku: string, raw: unknown): Product | undefined {
  if (raw === undefined) return undefined;
  let bySku = parsedProducts.get(doc);
  if (!bySku) parsedProducts.set(doc, (bySku = new Map()));
  const known = bySku.get(sku);
  if (known && known.raw === raw) return known.product;
  let product: Product | undefined;
  try {
    product = parseProduct(decodeValue(raw));
  } catch {
    product = undefined;
  }
  bySku.set(sku, { raw, product });
  return product;
}

/**
 * Whether a delete set deletes anything the document does not hold as deleted already (or content it does
 * not hold at all). Y.encodeStateAsUpdate always writes a document's whole delete set, so an honest client
 * reconnecting after any overwrite (a catalog edit replaces a product's value) re-sends old deletions.
 */
export function deletesAnythingNew(doc: Y.Doc, ds: ReturnType<typeof Y.decodeUpdate>['ds']): boolean {
  for (const [client, ranges] of ds.clients) {
    const structs = doc.store.clients.get(client) ?? [];
    for (const r of ranges) {
      const end = r.clock + r.len;
      if (end > Y.getState(doc.store, client)) return true;
      for (let clock = r.clock; clock < end; ) {
        const s = structs[Y.findIndexSS(structs, clock)];
        if (!s?.deleted) return true;
        clock = s.id.clock + s.length;
      }
    }
  }
  return false;
}

/**
 * A value added to a till document: a shift event or a void, under its own id, naming this document's till,
 * made (its id ends in the device id) by the device this connection paired as, and only by that till's token.
 */
function checkTillValue(ctx: GuardContext, tillId: string, mapName: string, key: string, raw: unknown): string | undefined {
  if (!(TILL_MAPS as readonly string[]).includes(mapName)) return `a till document has no map "${mapName}"`;
  const { claims } = ctx;
  // The till itself, or a LAN hub relaying what that till wrote (its records name the till's paired device).
  const device = claims.role === 'till' && claims.tillId === tillId ? claims.deviceId : claims.role === 'hub' ? ctx.ownerOf?.(tillHolder(tillId)) : undefined;
  if (!device) return `only till ${tillId}'s own device writes its document`;
  if (ctx.doc.getMap(mapName).has(key)) return `${mapName}/${key} already exists: records are never overwritten`;
  try {
    const record = mapName === 'shifts' ? parseShiftEvent(decodeValue(raw)) : parseVoidRecord(decodeValue(raw));
    if (record.id !== key) return `${mapName}/${key} holds ${record.id}`;
    if (record.tillId !== tillId) return `${mapName}/${key} names till ${record.tillId}, not ${tillId}`;
    if (!record.id.endsWith(`-${device}`)) return `${mapName}/${key} was not made by this device (${device})`;
  } catch (err) {
    return `${mapName}/${key}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

function checkBrandValue(ctx: GuardContext, mapName: string, key: string, raw: unknown, entries: LedgerEntry[], sales: Sale[]): string | undefined {
  const value = decodeValue(raw);
  const append = (APPEND_ONLY_MAPS as readonly string[]).includes(mapName);
  if (!append && mapName !== 'products') return `a brand document has no map "${mapName}"`;
  if (append && ctx.doc.getMap(mapName).has(key)) return `${mapName}/${key} already exists: entries are never overwritten`;
  const { claims } = ctx;
  const device = claims.role === 'till' ? claims.deviceId : undefined;
  const ownHolder = claims.role === 'till' && claims.tillId ? tillHolder(claims.tillId) : undefined;
  try {
    switch (mapName) {
      case 'catalogHistory': {
        // Written by the server as it replaces a catalog entry (BrandDoc.putProducts); nobody else.
        if (claims.role !== 'admin') return 'only the server records catalog history';
        const p = parseProduct(value);
        if (!key.startsWith(`${p.sku}!`)) return `catalogHistory/${key} holds SKU ${p.sku}`;
        return undefined;
      }
      case 'products': {
        if (claims.role !== 'admin') return 'only the organiser changes the catalog (through the HTTP API)';
        const p = parseProduct(value);
        if (p.sku !== key) return `products/${key} holds SKU ${p.sku}`;
        return undefined;
      }
      case 'ledger': {
        // The key names the entry and its writer (see encodeEntry).
        checkEntryFields(value, key);
        // Decoded once: the parsed value when it is an object (a JSON string inside the string stays refused).
        const e = decodeEntry(key, typeof value === 'object' && value !== null ? value : raw);
        if (device && e.writer !== device) return `entry ${e.id} names writer ${e.writer}, but this connection is device ${device}`;
        // A hub relays its tills' entries; the server's own (reserve, hubs, online) are written here only.
        // That the writer owns the entry's holder is checked for every entry below (checkEntries).
        if (claims.role === 'hub' && e.writer === SERVER_WRITER) return `entry ${e.id} is the server's own: a hub cannot relay it`;
        entries.push(e);
        return undefined;
      }
      case 'sales':
      case 'refunds': {
        if (mapName === 'sales') checkSaleFields(value);
        const r = mapName === 'sales' ? parseSale(value) : parseRefund(value);
        if (r.id !== key) return `${mapName}/${key} holds ${r.id}`;
        if (device && (r.writer !== device || r.holder !== ownHolder)) return `${mapName}/${key} was not written by this till`;
        if (!r.id.endsWith(`-${r.writer}`)) return `${mapName}/${key} was not made by its writer ${r.writer}`;
        if (ctx.ref.kind === 'brand' && (r.eventId !== ctx.ref.eventId || r.brandId !== ctx.ref.brandId)) return `${mapName}/${key} belongs to another event or brand`;
        if (claims.role === 'till' && r.tillId !== claims.tillId) return `${mapName}/${key} names till ${r.tillId}, not this one`;
        if (claims.role === 'hub' && (r.holder !== tillHolder(r.tillId) || ctx.ownerOf?.(r.holder) !== r.writer)) return `${mapName}/${key} was not written by the device paired as till ${r.tillId}`;
        if (mapName === 'sales') sales.push(r as Sale);
        return undefined;
      }
      case 'refundRights':
        return checkRefundRightsValue(claims, key, value);
      case 'returns': {
        // The organiser asks through the HTTP API and the server writes it; a till that could write one could
        // only ask itself (it may give to the reserve anyway), but a hub or another till must not ask for it.
        if (claims.role !== 'admin') return 'only the server records a return request (the organiser asks through the HTTP API)';
        const r = parseReturnRequest(value);
        if (r.id !== key) return `returns/${key} holds ${r.id}`;
        return undefined;
      }
      case 'requests': {
        const r = parseRightsRequest(value);
        if (r.id !== key) return `requests/${key} holds ${r.id}`;
        if (!r.id.endsWith(`-${r.writer}`)) return `requests/${key} was not made by its writer ${r.writer}`;
        if (device && (r.writer !== device || r.holder !== ownHolder)) return `requests/${key} asks for another holder`;
        if (claims.role === 'hub' && ctx.ownerOf?.(r.holder) !== r.writer) return `requests/${key} was not written by the device that holds ${r.holder}`;
        return undefined;
      }
    }
  } catch (err) {
    return `${mapName}/${key}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}
