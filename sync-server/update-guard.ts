import * as Y from 'yjs';
import type { OwnerOf } from '../core/holders.ts';
import type { LedgerEntry } from '../core/ledger.ts';
import { parseRefund } from '../core/refund.ts';
import { parseRightsRequest } from '../core/rights-request.ts';
import { checkEntries } from '../core/rights.ts';
import { parseSale } from '../core/sale.ts';
import { APPEND_ONLY_MAPS, decodeEntry, decodeValue, TILL_MAPS, watchAppendOnly, type DocRef } from '../core/schema.ts';
import { creatorKey, parseBrand, parseCreator, parseEventConfig, parseLocation, parseThreshold, parseTill, thresholdKey } from '../core/event.ts';
import { parseVoidRecord } from '../core/audit.ts';
import { parseShiftEvent } from '../core/shift.ts';
import { parseProduct } from '../core/catalog.ts';
import { parseStaffMember } from '../core/staff.ts';
import type { BalanceReader } from '../core/stock-view.ts';
import { SERVER_WRITER, tillHolder } from '../core/holders.ts';
import type { Claims } from './auth.ts';

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
}

/** Each setup map's parser, and the key a value must be stored under (when the map keys by content). */
const SETUP_MAPS: Record<string, { parse: (v: unknown) => unknown; key?: (v: never) => string } | undefined> = {
  event: { parse: parseEventConfig },
  brands: { parse: parseBrand },
  locations: { parse: parseLocation },
  tills: { parse: parseTill },
  staff: { parse: parseStaffMember },
  thresholds: { parse: parseThreshold, key: (t: { locationId: string; sku: string }) => thresholdKey(t.locationId, t.sku) },
  creators: { parse: parseCreator, key: (c: { code: string }) => creatorKey(c.code) },
};

const deny = (reason: string): GuardResult => ({ ok: false, reason });

export function guardUpdate(update: Uint8Array, ctx: GuardContext): GuardResult {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return deny('the update could not be decoded');
  }
  // Setup maps are last-writer-wins (an organiser edits them); brand and till documents only grow. A client's
  // sync step 2 carries its whole delete set, so deletions the server has made already are no change.
  const appendOnly = ctx.ref.kind !== 'setup';
  // The admin (the server's own root, and a LAN hub's bridge bringing in what the upstream's organiser
  // changed) may overwrite set-up values and catalog entries; what it may never do, like anyone, is change
  // or delete an append-only record — checked on a scratch copy below when its update overwrites anything.
  const trusted = ctx.claims.role === 'admin';
  let overwrites = false;
  if (appendOnly && !trusted && deletesAnythingNew(ctx.doc, decoded.ds)) return deny(`the update deletes or overwrites content of a ${ctx.ref.kind} document`);

  const entries: LedgerEntry[] = [];
  const seenKeys = new Set<string>();
  const nextClock = new Map<number, number>();
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
    const problem =
      ctx.ref.kind === 'brand'
        ? checkBrandValue(ctx, mapName, key, raw, entries)
        : ctx.ref.kind === 'till'
          ? checkTillValue(ctx, ctx.ref.tillId, mapName, key, raw)
          : (checkSetupValue(ctx, mapName, key, decodeValue(raw)) ?? checkHubSetupValue(ctx, mapName, key, raw));
    if (problem) return deny(problem);
  }
  if (overwrites || (trusted && appendOnly && decoded.ds.clients.size > 0)) {
    const scratch = new Y.Doc();
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(ctx.doc));
    const report = watchAppendOnly(scratch, () => Y.applyUpdate(scratch, update), ctx.ref.kind === 'till' ? TILL_MAPS : APPEND_ONLY_MAPS);
    scratch.destroy();
    if (report.violations.length) return deny(`${report.violations[0]}: append-only records are never changed`);
  }
  if (entries.length) {
    if (!ctx.view || !ctx.ownerOf) return deny('the event has no set-up on this server yet');
    try {
      checkEntries(ctx.view, entries, ctx.ownerOf);
    } catch (err) {
      return deny(err instanceof Error ? err.message : String(err));
    }
  }
  return { ok: true, entries };
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
 * A LAN hub relays only the tills it paired into the setup document: not the event's settings, brands,
 * locations or staff (the organiser changes those here), and never a different device for an existing till
 * (that would hand the till's stock rights to another device).
 */
function checkHubSetupValue(ctx: GuardContext, mapName: string, key: string, raw: unknown): string | undefined {
  if (ctx.claims.role !== 'hub') return undefined;
  if (mapName !== 'tills') return `a hub relays tills only, not "${mapName}"`;
  const till = parseTill(decodeValue(raw));
  if (till.id !== key) return `tills/${key} holds ${till.id}`;
  const before = ctx.doc.getMap('tills').get(key);
  if (before !== undefined && parseTill(decodeValue(before)).deviceId !== till.deviceId) return `tills/${key} is paired with another device`;
  // A device id is a writer identity: never the server's own, never another till's (device-registry.ts).
  if (till.deviceId === SERVER_WRITER) return `tills/${key} names the server's own writer id`;
  for (const [k, v] of ctx.doc.getMap('tills').entries()) if (k !== key && parseTill(decodeValue(v)).deviceId === till.deviceId) return `tills/${key}: device ${till.deviceId} is ${k}'s`;
  return undefined;
}

function checkSetupValue(ctx: GuardContext, mapName: string, key: string, value: unknown): string | undefined {
  // Creator codes must be unique across the server (`/r/<code>` names no event), which only the HTTP API
  // checks. The admin is trusted with them: a LAN hub's bridge brings the upstream's creators in as admin.
  if (mapName === 'creators' && ctx.claims.role !== 'admin') return 'creators are set through the HTTP API (PUT /api/events/<id>/creators/<code>), which keeps codes unique';
  const map = SETUP_MAPS[mapName];
  if (!map) return `the setup document has no map "${mapName}"`;
  try {
    const parsed = map.parse(value);
    if (map.key && map.key(parsed as never) !== key) return `${mapName}/${key} holds ${map.key(parsed as never)}`;
  } catch (err) {
    return `${mapName}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
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

function checkBrandValue(ctx: GuardContext, mapName: string, key: string, raw: unknown, entries: LedgerEntry[]): string | undefined {
  const value = decodeValue(raw);
  const append = (APPEND_ONLY_MAPS as readonly string[]).includes(mapName);
  if (!append && mapName !== 'products') return `a brand document has no map "${mapName}"`;
  if (append && ctx.doc.getMap(mapName).has(key)) return `${mapName}/${key} already exists: entries are never overwritten`;
  const { claims } = ctx;
  const device = claims.role === 'till' ? claims.deviceId : undefined;
  const ownHolder = claims.role === 'till' && claims.tillId ? tillHolder(claims.tillId) : undefined;
  try {
    switch (mapName) {
      case 'products': {
        if (claims.role !== 'admin') return 'only the organiser changes the catalog (through the HTTP API)';
        const p = parseProduct(value);
        if (p.sku !== key) return `products/${key} holds SKU ${p.sku}`;
        return undefined;
      }
      case 'ledger': {
        // The key names the entry and its writer (see encodeEntry).
        const e = decodeEntry(key, raw);
        if (device && e.writer !== device) return `entry ${e.id} names writer ${e.writer}, but this connection is device ${device}`;
        // A hub relays its tills' entries; the server's own (reserve, hubs, online) are written here only.
        // That the writer owns the entry's holder is checked for every entry below (checkEntries).
        if (claims.role === 'hub' && e.writer === SERVER_WRITER) return `entry ${e.id} is the server's own: a hub cannot relay it`;
        entries.push(e);
        return undefined;
      }
      case 'sales':
      case 'refunds': {
        const r = mapName === 'sales' ? parseSale(value) : parseRefund(value);
        if (r.id !== key) return `${mapName}/${key} holds ${r.id}`;
        if (device && (r.writer !== device || r.holder !== ownHolder)) return `${mapName}/${key} was not written by this till`;
        if (!r.id.endsWith(`-${r.writer}`)) return `${mapName}/${key} was not made by its writer ${r.writer}`;
        if (ctx.ref.kind === 'brand' && (r.eventId !== ctx.ref.eventId || r.brandId !== ctx.ref.brandId)) return `${mapName}/${key} belongs to another event or brand`;
        if (claims.role === 'till' && r.tillId !== claims.tillId) return `${mapName}/${key} names till ${r.tillId}, not this one`;
        if (claims.role === 'hub' && (r.holder !== tillHolder(r.tillId) || ctx.ownerOf?.(r.holder) !== r.writer)) return `${mapName}/${key} was not written by the device paired as till ${r.tillId}`;
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
