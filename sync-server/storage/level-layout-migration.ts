import type { ClassicLevel } from 'classic-level';

/**
 * The move of a data dir from the first LevelDB layout (level-storage.ts: `d!<doc>!…`, `r!<ns>!<key>`, one
 * flat space) to the event-first one (level-store.ts), done once when the store opens.
 *
 * Records of an event move into that event's space. Where the event id was in the old key depends on the
 * namespace, so the namespaces are listed here by shape; a namespace not listed, or a key that does not
 * have the expected shape, stays server-wide under its own name and key: nothing is dropped.
 *
 * All of it is one batch, written with `sync: true`, together with the `layout` key: a crash part-way
 * leaves the old layout whole, and the next open starts over.
 */

/** Keys were `<eventId>!<rest>`: the record becomes `<rest>` in the event's space. */
const KEYED_BY_EVENT_PREFIX = new Set([
  'orders',
  'order-journal',
  'idempotency',
  'reservations',
  'alerts',
  'alert-outbox',
  'alert-deliveries',
  'creator-clicks',
  'till-plans',
  'rejections',
  'receipt-mail',
  'queue-by-key',
  'order-tracking-by-order',
]);
/** One record per event, keyed by the event id: it becomes the key `''` (the event's one value) in its space. */
const ONE_PER_EVENT = new Set(['till-seq', 'alert-webhooks', 'storefront-origins', 'web-receipt-seq', 'queue-settings', 'queue-counter']);
/** Namespaces named `<ns>/<eventId>`: they become `<ns>` in the event's space, same keys. */
const NAMESPACE_PER_EVENT = ['devices/', 'tokens-by-event/'];

/*
 * Server-wide, as they were: tokens, token-used, pairing, meta, creator-codes (a code is unique across
 * events), order-tracking (a tracking id finds its event), server-secrets.
 */

/** Where one legacy record goes: `e!<eventId>!r!<ns>!<key>` or `s!<ns>!<key>`. */
export function legacyRecordKey(ns: string, key: string): string {
  const cut = key.indexOf('!');
  if (KEYED_BY_EVENT_PREFIX.has(ns) && cut > 0) return `e!${key.slice(0, cut)}!r!${ns}!${key.slice(cut + 1)}`;
  if (ONE_PER_EVENT.has(ns) && key && !key.includes('!')) return `e!${key}!r!${ns}!`;
  for (const p of NAMESPACE_PER_EVENT) {
    const eventId = ns.slice(p.length);
    if (ns.startsWith(p) && eventId && !eventId.includes('!')) return `e!${eventId}!r!${p.slice(0, -1)}!${key}`;
  }
  return `s!${ns}!${key}`;
}

/** Where one legacy document key (`d!<doc>!<rest>`) goes, or undefined for a document of no event (left as it is). */
export function legacyDocKey(key: string): string | undefined {
  const end = key.indexOf('!', 2);
  const doc = key.slice(2, end);
  const eventId = /^event\/([^/!]+)\//.exec(doc)?.[1];
  return eventId === undefined ? undefined : `e!${eventId}!d!${doc}${key.slice(end)}`;
}

export async function migrateLegacyLayout(db: ClassicLevel<string, Uint8Array>): Promise<'current' | 'created' | 'migrated'> {
  const layout = await db.get('layout');
  if (layout !== undefined) {
    const v = new TextDecoder().decode(layout);
    if (v !== '2') throw new Error(`the store's layout is version ${v}, which this server does not know (it knows 2): use a newer server`);
    return 'current';
  }
  const ops: ({ type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string })[] = [];
  for await (const [key, value] of db.iterator({ gte: 'd!', lt: 'd"' })) {
    const to = legacyDocKey(key);
    if (to === undefined) continue;
    ops.push({ type: 'del', key }, { type: 'put', key: to, value });
  }
  for await (const [key, value] of db.iterator({ gte: 'r!', lt: 'r"' })) {
    const end = key.indexOf('!', 2);
    ops.push({ type: 'del', key }, { type: 'put', key: legacyRecordKey(key.slice(2, end), key.slice(end + 1)), value });
  }
  ops.push({ type: 'put', key: 'layout', value: new TextEncoder().encode('2') });
  await db.batch(ops, { sync: true });
  return ops.length > 1 ? 'migrated' : 'created';
}
