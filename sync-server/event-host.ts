/**
 * One event as this process serves it (#14, "the event as a named unit"): the per-event state of every
 * service — caches read from the event's records (buyer tally, queue counters, Q&A board, origins, the
 * server clock…), watchers and their timers — lives in the event's `EventHost`, not in maps the services
 * share across events. So forgetting an event is one call: `dispose()` stops the host's timers, lets each
 * part flush what must reach the store (click counts, commits in flight) and drops every cache.
 *
 * Why that matters: in a cluster an event moves between processes. A process that gives an event up and
 * later takes it back must not plan an order on a buyer count, a ticket number or a Q&A board from before
 * another process's writes. Its host was disposed when it lost the lease, and a host remembers the lease
 * epoch it was made under: reached under another epoch, it is disposed and a fresh one is made, so even a
 * missed drop cannot serve stale memory (event-hosts.ts).
 *
 * The services keep their public APIs (`storefront.stock(eventId)`, `queue.issue(eventId, …)`); each holds
 * its per-event state in an `EventSlot`, whose values are kept in the hosts.
 */
export interface SlotOptions<V> {
  /**
   * Called when the value's host is disposed: stop its timers and watchers, flush what must be stored. The
   * host is gone from the map already, so a call made meanwhile builds a fresh value in a new host.
   */
  dispose?: (value: V, eventId: string) => void | Promise<void>;
  /**
   * Whether the value still serves someone though the event's documents went idle (the Q&A feed's shoppers):
   * a busy host is not disposed for idleness, and its lease is kept.
   */
  busy?: (value: V) => boolean;
}

/** What a host knows of a slot: its name (for logs), and how to stop and ask a value it holds. */
export interface SlotKey {
  readonly name: string;
  disposeValue(value: unknown, eventId: string): void | Promise<void>;
  isBusy(value: unknown): boolean;
}

/** A per-event value of one service, kept in the event's host (a Map keyed by event id, as the service sees it). */
export class EventSlot<V> implements SlotKey {
  constructor(
    readonly name: string,
    private readonly hosts: SlotHosts,
    readonly opts: SlotOptions<V> = {},
  ) {}

  /** The value of the event's host, if its host exists and has one (never makes a host). */
  get(eventId: string): V | undefined {
    return this.hosts.peek(eventId)?.read(this);
  }

  has(eventId: string): boolean {
    return this.hosts.peek(eventId)?.holds(this) ?? false;
  }

  /** Sets the value in the event's host, making the host on first use. */
  set(eventId: string, value: V): this {
    this.hosts.of(eventId).write(this, value);
    return this;
  }

  delete(eventId: string): boolean {
    return this.hosts.peek(eventId)?.remove(this) ?? false;
  }

  /** The value, made by `make` and kept on first use. */
  ensure(eventId: string, make: () => V): V {
    const host = this.hosts.of(eventId);
    if (host.holds(this)) return host.read<V>(this) as V;
    const v = make();
    host.write(this, v);
    return v;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** Every live host's value of this slot. */
  *entries(): IterableIterator<[string, V]> {
    for (const host of this.hosts.live()) if (host.holds(this)) yield [host.eventId, host.read<V>(this) as V];
  }

  disposeValue(value: unknown, eventId: string): void | Promise<void> {
    return this.opts.dispose?.(value as V, eventId);
  }

  isBusy(value: unknown): boolean {
    return this.opts.busy?.(value as V) ?? false;
  }
}

/** What a service holding per-event values needs: a Map keyed by event id, or an `EventSlot`. */
export interface PerEvent<V> extends Iterable<[string, V]> {
  get(eventId: string): V | undefined;
  set(eventId: string, value: V): unknown;
  delete(eventId: string): boolean;
  has(eventId: string): boolean;
}

/** What a slot needs of the host map (event-hosts.ts). */
export interface SlotHosts {
  of(eventId: string): EventHost;
  peek(eventId: string): EventHost | undefined;
  live(): Iterable<EventHost>;
}

export class EventHost {
  private readonly values = new Map<SlotKey, unknown>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private disposing: Promise<void> | undefined;

  constructor(
    readonly eventId: string,
    /** The lease epoch this host was made under (a cluster), undefined without leases or while not held. */
    readonly epoch: number | undefined,
    private readonly log?: (level: 'warn', message: string, fields?: Record<string, unknown>) => void,
  ) {}

  get disposed(): boolean {
    return this.disposing !== undefined;
  }

  read<V>(slot: SlotKey): V | undefined {
    return this.values.get(slot) as V | undefined;
  }

  holds(slot: SlotKey): boolean {
    return this.values.has(slot);
  }

  write(slot: SlotKey, value: unknown): void {
    // A write into a disposed host (a call that began before the dispose) must not bring its memory back.
    if (this.disposed) return;
    this.values.set(slot, value);
  }

  remove(slot: SlotKey): boolean {
    return this.values.delete(slot);
  }

  /** A timer of this event: cleared when the host is disposed; never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref?.();
    if (this.disposed) clearTimeout(t);
    else this.timers.add(t);
    return t;
  }

  clearTimeout(t: ReturnType<typeof setTimeout> | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  /** Whether a part still serves someone (see `SlotOptions.busy`). */
  busy(): boolean {
    return [...this.values].some(([slot, value]) => slot.isBusy(value));
  }

  /** How many timers of this event are pending (tests). */
  timerCount(): number {
    return this.timers.size;
  }

  /**
   * Stops the event's timers, lets every part flush and stop (its slot's `dispose`), then forgets all of it.
   * `before` is work to await first. A part that fails to flush is logged: the others still run, and the host is gone either way.
   */
  dispose(before?: Promise<unknown>): Promise<void> {
    if (this.disposing) return this.disposing;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.disposing = (async () => {
      // Work in flight (the event's group commits) ends before the parts, which may read what it wrote.
      await before;
      const parts = [...this.values];
      this.values.clear();
      await Promise.all(
        parts.map(async ([slot, value]) => {
          try {
            await slot.disposeValue(value, this.eventId);
          } catch (err) {
            this.log?.('warn', 'an event part failed to stop', { eventId: this.eventId, part: slot.name, err: String(err) });
          }
        }),
      );
    })();
    return this.disposing;
  }
}
