import { HybridClock, parseHlc } from '../core/base/hlc.ts';
import type { Clock } from '../core/base/platform.ts';
import { SERVER_WRITER } from '../core/ledger/holders.ts';
import type { RecordKey } from './storage/store.ts';

/**
 * The server's clock of one event (#14): every id the server makes for the event (ledger entries, the
 * storefront's sales and orders, return requests, refund-rights moves) takes its timestamp from it, and its
 * last timestamp is kept in the event's own store, record `meta/hlc`, so that a restart — or another process
 * taking the event over — continues after it and never repeats one.
 *
 * Why per event: the clock was one server-wide record written after each order, outside the order's commit,
 * by whichever process wrote last. In a cluster two processes serving two events would overwrite each
 * other's record; and an order's commit and its clock's record could land apart. Now the record goes into
 * the event's group commits (storage/group-commit.ts), in the order the timestamps were issued: an order
 * carries it in its own commit, other server writes hand it to the same groups. So the stored record is
 * always the latest issued of what is durable.
 *
 * A store written before this change holds the clock server-wide (`meta/hlc` of `store.server()`). That
 * record is read once, as a floor under every event's clock: whatever the server issued before the upgrade,
 * for any event, comes before what it issues after. It is never written again.
 */
export const CLOCK_RECORD: RecordKey = { ns: 'meta', key: 'hlc' };

/** The later of two stored clock readings (either may be absent, or not a reading at all: then ignored). */
export function laterHlc(a: unknown, b: unknown): string | undefined {
  const ta = reading(a);
  const tb = reading(b);
  if (!ta) return tb?.s;
  if (!tb) return ta.s;
  return ta.wall > tb.wall || (ta.wall === tb.wall && ta.counter >= tb.counter) ? ta.s : tb.s;
}

function reading(v: unknown): { s: string; wall: number; counter: number } | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const t = parseHlc(v);
    return { s: v, wall: t.wall, counter: t.counter };
  } catch {
    return undefined;
  }
}

/** The event's clock, continuing after the later of its own record and the old server-wide one. */
export function eventClock(wall: Clock, own: unknown, floor: unknown): HybridClock {
  return new HybridClock(SERVER_WRITER, wall, undefined, laterHlc(own, floor));
}
