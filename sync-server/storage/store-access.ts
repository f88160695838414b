import type { Store, Stores } from './store.ts';

/**
 * The one place where the server's modules get an event's store (`Stores.event`): every per-event read and
 * write of every module goes through the object made here, so a fence is attached in one spot.
 *
 * A store without leases (LevelDB, memory: one process owns the data) hands out its event handles as they are
 * (`storesOf`). A store with leases (PostgreSQL) runs as a cluster, even of one process: its handles carry the
 * fence of the lease this process holds now (cluster/cluster-stores.ts).
 */
export interface StoreAccess extends Stores {
  /** Stops renewing and releases the leases taken (before the store itself is closed). */
  close(): Promise<void>;
}

/** Another live process holds the event's lease: this process may not read or write the event. */
export class EventHeldElsewhereError extends Error {
  override readonly name = 'EventHeldElsewhereError';
  constructor(
    readonly eventId: string,
    readonly owner: string,
  ) {
    super(`event ${eventId} is served by another server process (${owner}) on this database`);
  }
}

/** The handles of a store without leases, as they are; a store with leases goes through cluster/cluster-stores.ts. */
export function storesOf(store: Store): StoreAccess {
  if (store.leases) throw new TypeError('a store with leases (PostgreSQL) is reached through clusterStores, which holds its leases');
  return {
    event: (eventId) => store.event(eventId),
    server: () => store.server(),
    eventIds: () => store.eventIds(),
    close: async () => undefined,
  };
}
