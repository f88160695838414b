import * as Y from 'yjs';
import { creatorKey, parseBrand, parseCreator, parseEventConfig, parseLocation, parseThreshold, parseTill, secretInUrl, thresholdKey } from '../core/event/event.ts';
import { SERVER_WRITER } from '../core/ledger/holders.ts';
import { decodeValue } from '../core/event/schema.ts';
import { parseStaffMember } from '../core/event/staff.ts';
import { couponKey, parseCoupon } from '../core/selling/discounts.ts';
import type { Claims } from './auth.ts';

/**
 * What each role may write into an event's setup document over sync (docs/sync-protocol.md, "Setup document:
 * who may write what"). Tills and storefronts are read-only (permissions.ts) and never get here.
 *
 * | map        | admin                          | organiser | hub                                              |
 * |------------|--------------------------------|-----------|--------------------------------------------------|
 * | event      | add, update (never delete)     | —         | —                                                |
 * | brands     | add, update, delete            | add       | —                                                |
 * | locations  | add, update, delete            | add       | —                                                |
 * | thresholds | add, update, delete            | add       | —                                                |
 * | staff      | add, update, delete            | —         | —                                                |
 * | creators   | add, update, delete            | —         | —                                                |
 * | coupons    | add, update (never delete)     | —         | —                                                |
 * | tills      | add, update, delete            | —         | add / update the tills it hosts, same device     |
 *
 * Why so narrow: the organiser changes the event through the HTTP API, where the server validates the change
 * against its own records (pairing, PIN hashing, unique creator codes) and writes it itself; over sync the
 * organiser keeps only the additions a console replica may make. The admin is the server's root and a LAN
 * hub's bridge bringing in what the upstream changed, so it may change anything but the event itself away.
 */
export type SetupOp = 'add' | 'update' | 'delete';

const ALL: readonly SetupOp[] = ['add', 'update', 'delete'];
const ADMIN: Record<string, readonly SetupOp[]> = {
  event: ['add', 'update'],
  brands: ALL,
  locations: ALL,
  thresholds: ALL,
  staff: ALL,
  creators: ALL,
  // Never deleted: a till that sold offline with a coupon is judged by it (core/selling/sale-rules.ts), and
  // a deleted coupon would make its sale "unknown" for ever. An organiser ends a coupon by its validUntil.
  coupons: ['add', 'update'],
  tills: ALL,
};
const ORGANISER: Record<string, readonly SetupOp[]> = { brands: ['add'], locations: ['add'], thresholds: ['add'] };
const HUB: Record<string, readonly SetupOp[]> = { tills: ['add', 'update'] };

/** Each setup map's parser, and the key a value must be stored under (when the map keys by content). */
const SETUP_MAPS: Record<string, { parse: (v: unknown) => unknown; key: (v: never) => string } | undefined> = {
  event: { parse: parseEventConfig, key: () => 'config' },
  brands: { parse: parseBrand, key: (b: { id: string }) => b.id },
  locations: { parse: parseLocation, key: (l: { id: string }) => l.id },
  tills: { parse: parseTill, key: (t: { id: string }) => t.id },
  staff: { parse: parseStaffMember, key: (s: { id: string }) => s.id },
  thresholds: { parse: parseThreshold, key: (t: { locationId: string; sku: string }) => thresholdKey(t.locationId, t.sku) },
  creators: { parse: parseCreator, key: (c: { code: string }) => creatorKey(c.code) },
  coupons: { parse: parseCoupon, key: (c: { code: string }) => couponKey(c.code) },
};

/** The tag that names the tills a hub token's hub pairs: `H` and three letters or digits (RelayMode). */
export const HUB_TAG = /^H[0-9A-Z]{3}$/;

/** Whether a till id is one a hub with this tag pairs (`<tag>-till-<n>`, event-service.ts). */
export function hostsTill(hubTag: string, tillId: string): boolean {
  return tillId.startsWith(`${hubTag.toLowerCase()}-`);
}

function allowed(claims: Claims, mapName: string, op: SetupOp): boolean {
  const table = claims.role === 'admin' ? ADMIN : claims.role === 'organiser' ? ORGANISER : claims.role === 'hub' ? HUB : {};
  return table[mapName]?.includes(op) ?? false;
}

const anA = (role: string) => `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;
const VERB: Record<SetupOp, string> = { add: 'add to', update: 'change', delete: 'delete from' };

/** One value a struct of the update sets: it parses, sits under its own key, and the sender may write that map. */
export function checkSetupValue(claims: Claims, mapName: string, key: string, raw: unknown): string | undefined {
  if (mapName === 'coupons' && claims.role !== 'admin') return 'coupons are set through the HTTP API (PUT /api/events/<id>/coupons/<code>), which checks their brand, products and creator';
  if (mapName === 'creators' && claims.role !== 'admin') return 'creators are set through the HTTP API (PUT /api/events/<id>/creators/<code>), which keeps codes unique';
  const map = SETUP_MAPS[mapName];
  if (!map) return `the setup document has no map "${mapName}"`;
  if (claims.role === 'hub' && mapName !== 'tills') return `a hub relays tills only, not "${mapName}"`;
  if (claims.role !== 'admin' && !allowed(claims, mapName, 'add') && !allowed(claims, mapName, 'update')) return `${anA(claims.role)} may not write "${mapName}" over sync`;
  try {
    const parsed = map.parse(decodeValue(raw));
    if (map.key(parsed as never) !== key) return `${mapName}/${key} holds ${map.key(parsed as never)}`;
  } catch (err) {
    return `${mapName}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

type Snapshot = Map<string, Map<string, unknown>>;

function snapshot(doc: Y.Doc): Snapshot {
  const out: Snapshot = new Map();
  for (const name of Object.keys(SETUP_MAPS)) out.set(name, new Map(doc.getMap(name).entries()));
  return out;
}

/**
 * Judges what an update would DO to the setup document, whatever structs carry it: applied to a scratch copy,
 * every key it adds, changes or deletes is checked against the role's rights. Looking at the outcome rather
 * than at the delete set alone also catches the quieter ways to remove a key — a deleted item whose origin is
 * the current value, or a concurrent insert that wins the key's conflict. An honest client's sync step 2
 * re-sends deletions the server holds already; they change nothing here, so they pass.
 */
export function checkSetupChanges(ctx: { doc: Y.Doc; claims: Claims }, update: Uint8Array): string | undefined {
  const { claims } = ctx;
  const scratch = new Y.Doc({ gc: false });
  try {
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(ctx.doc));
    const before = snapshot(scratch);
    Y.applyUpdate(scratch, update);
    // Content Yjs holds back until a gap is filled would change the document later, unjudged.
    if (scratch.store.pendingStructs || scratch.store.pendingDs) return 'the update depends on content the server does not have';
    const after = snapshot(scratch);
    for (const [mapName, was] of before) {
      const now = after.get(mapName)!;
      for (const [key, value] of was) {
        if (!now.has(key)) {
          const problem = mayDelete(claims, mapName, key);
          if (problem) return problem;
        } else if (now.get(key) !== value) {
          const problem = mayWrite(ctx, mapName, key, 'update', value, now.get(key));
          if (problem) return problem;
        }
      }
      for (const [key, value] of now) {
        if (was.has(key)) continue;
        const problem = mayWrite(ctx, mapName, key, 'add', undefined, value);
        if (problem) return problem;
      }
    }
  } finally {
    scratch.destroy();
  }
  return undefined;
}

function mayDelete(claims: Claims, mapName: string, key: string): string | undefined {
  if (mapName === 'event') return `event/${key} is never deleted over sync`;
  if (!allowed(claims, mapName, 'delete')) return `${anA(claims.role)} may not delete ${mapName}/${key} over sync`;
  return undefined;
}

function mayWrite(ctx: { doc: Y.Doc; claims: Claims }, mapName: string, key: string, op: 'add' | 'update', before: unknown, raw: unknown): string | undefined {
  const { claims } = ctx;
  if (!allowed(claims, mapName, op)) return `${anA(claims.role)} may not ${VERB[op]} "${mapName}" over sync (${mapName}/${key})`;
  const map = SETUP_MAPS[mapName]!;
  let value: unknown;
  try {
    value = map.parse(decodeValue(raw));
  } catch (err) {
    return `${mapName}/${key}: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (map.key(value as never) !== key) return `${mapName}/${key} holds ${map.key(value as never)}`;
  // The drop page's address is published (policies, creator redirects): no credential in it, over sync either.
  const dropUrl = mapName === 'event' ? (value as { dropUrl?: string }).dropUrl : undefined;
  if (dropUrl !== undefined && secretInUrl(dropUrl)) return `event/config: dropUrl carries ${secretInUrl(dropUrl)}: the drop page's address is public`;
  if (claims.role === 'hub') return checkHubTill(ctx, key, value as ReturnType<typeof parseTill>, before);
  return undefined;
}

/**
 * A hub writes only the tills it hosts: ids carrying the tag its token names (the hub pairs `<tag>-till-<n>`,
 * receipts `<TAG><n>`), selling the event's own brands at one of its locations, and never moves an existing
 * till to another device (that would hand the till's stock rights to that device).
 */
function checkHubTill(ctx: { doc: Y.Doc; claims: Claims }, key: string, till: ReturnType<typeof parseTill>, before: unknown): string | undefined {
  const tag = ctx.claims.hubTag;
  if (!tag) return 'this hub token names no hub tag, so it hosts no tills: ask the organiser for a hub token naming the hub’s tag';
  if (!hostsTill(tag, key)) return `tills/${key} is not a till of hub ${tag} (its tills are ${tag.toLowerCase()}-till-<n>)`;
  if (!till.receiptPrefix.startsWith(tag)) return `tills/${key} has receipt prefix ${till.receiptPrefix}: hub ${tag}'s tills print ${tag}<n>`;
  if (before !== undefined && parseTill(decodeValue(before)).deviceId !== till.deviceId) return `tills/${key} is paired with another device`;
  // A device id is a writer identity: never the server's own, never another till's (device-registry.ts).
  if (till.deviceId === SERVER_WRITER) return `tills/${key} names the server's own writer id`;
  for (const [k, v] of ctx.doc.getMap('tills').entries()) if (k !== key && parseTill(decodeValue(v)).deviceId === till.deviceId) return `tills/${key}: device ${till.deviceId} is ${k}'s`;
  const brands = ctx.doc.getMap('brands');
  for (const b of till.brandIds) if (!brands.has(b)) return `tills/${key} sells "${b}", which is not a brand of this event`;
  if (!ctx.doc.getMap('locations').has(till.locationId)) return `tills/${key} stands at "${till.locationId}", which is not a location of this event`;
  return undefined;
}
