import type * as Y from 'yjs';
import type { EventConfig, Location } from '../../core/event/event.ts';
import { SetupDoc, setupDocName } from '../../core/event/schema.ts';
import type { DocHub } from '../doc-hub.ts';
import { setupSnapshot } from '../setup-snapshot.ts';

/**
 * What the order path needs of an event's set-up (config, brand ids, locations), decoded once per version of
 * the set-up document instead of once per order.
 *
 * Why: decoding the set-up (EventService.setup: every brand, location, till, creator and threshold, and the
 * config with its time-zone check) was the largest single cost of an order attempt; a drop's set-up changes a
 * few times an event while orders arrive hundreds of times a second.
 *
 * Invalidation is by the document, as for setup-snapshot.ts (whose config this reuses): dropped at the start
 * of every transaction on the set-up document (`beforeTransaction`, local or from a peer), and never kept when
 * read inside an open transaction. So a price tier or a location changed in the set-up is seen by the very
 * next order (order-memory.test.ts).
 */
export interface OrderSetup {
  /** Undefined when the event has no config (or one that does not parse). */
  readonly config: EventConfig | undefined;
  readonly brandIds: ReadonlySet<string>;
  readonly locations: readonly Location[];
}

const decoded = new WeakMap<Y.Doc, OrderSetup>();
const watched = new WeakSet<Y.Doc>();

/** The event's set-up as the order path reads it (see above). */
export function orderSetup(hub: DocHub, eventId: string): Promise<OrderSetup> {
  return hub.read(setupDocName(eventId), (doc) => orderSetupOf(doc));
}

export function orderSetupOf(doc: Y.Doc): OrderSetup {
  const cached = decoded.get(doc);
  if (cached) return cached;
  if (!watched.has(doc)) {
    watched.add(doc);
    doc.on('beforeTransaction', () => decoded.delete(doc));
  }
  const setup = new SetupDoc(doc);
  const value: OrderSetup = {
    config: setupSnapshot(doc).config,
    brandIds: new Set(setup.brands().items.map((b) => b.id)),
    locations: setup.locations().items,
  };
  // Inside a transaction the document may still change before it ends: read, do not keep.
  if (doc._transaction === null) decoded.set(doc, value);
  return value;
}
