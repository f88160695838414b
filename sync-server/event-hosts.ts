import { EventHost, EventSlot, type SlotHosts, type SlotOptions } from './event-host.ts';

/**
 * The events this process serves, one `EventHost` each (event-host.ts). The server is this map plus the
 * transport: a host is made on the event's first use and disposed when the process stops serving the event
 * — ownership dropped it (a cluster), or its documents were unloaded for being idle — or when the server
 * closes.
 *
 * In a cluster a host belongs to one lease epoch (`epochOf`, the epoch this process holds now): a host
 * reached under another epoch (the event was lost and taken back, even if the drop was missed) is disposed
 * and replaced by a fresh one, so nothing read before another process's writes is served after them.
 */
export interface EventHostsOptions {
  /** The lease epoch this process holds for the event now; undefined when it holds none or has no leases. */
  epochOf?: (eventId: string) => number | undefined;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export class EventHosts implements SlotHosts {
  private readonly hosts = new Map<string, EventHost>();
  private readonly disposing = new Set<Promise<void>>();
  private readonly starters: ((host: EventHost) => void | Promise<void>)[] = [];
  private readonly flushers: ((eventId: string) => Promise<void>)[] = [];
  private readonly inUse: ((eventId: string) => boolean)[] = [];
  private closed = false;

  constructor(private readonly opts: EventHostsOptions = {}) {}

  /** A per-event value of a service, kept in the hosts (its values go with their host). */
  slot<V>(name: string, opts: SlotOptions<V> = {}): EventSlot<V> {
    return new EventSlot<V>(name, this, opts);
  }

  /**
   * Work a service must finish before an event's memory is forgotten, for state that is not a cache but
   * work in flight (the event's group commits): awaited by `dispose`, before the host's parts are disposed.
   */
  onDispose(fn: (eventId: string) => Promise<void>): void {
    this.flushers.push(fn);
  }

  /**
   * Says an event is in use though its documents went idle (work under way in its serial section, a group
   * commit in flight): `idle` keeps its host then. Forgetting it meanwhile would have the next call read
   * from the store what is not written yet (an order in flight missing from the buyer tally).
   */
  keepWhile(fn: (eventId: string) => boolean): void {
    this.inUse.push(fn);
  }

  /**
   * Work to run when a host is started for an event this process takes over (`start`): start the event's
   * alert watcher, resume its webhook deliveries.
   */
  onStart(fn: (host: EventHost) => void | Promise<void>): void {
    this.starters.push(fn);
  }

  /** The event's host, made now if there is none (or the one there is belongs to another lease epoch). */
  of(eventId: string): EventHost {
    const current = this.peek(eventId);
    if (current) return current;
    const host = new EventHost(eventId, this.opts.epochOf?.(eventId), this.opts.log);
    // After close nothing is kept: a late call gets a host that holds nothing past this call.
    if (!this.closed) this.hosts.set(eventId, host);
    else void host.dispose();
    return host;
  }

  /** The event's host if there is one of the current epoch; a stale one is disposed on the way. */
  peek(eventId: string): EventHost | undefined {
    const host = this.hosts.get(eventId);
    if (!host) return undefined;
    if (this.opts.epochOf && host.epoch !== this.opts.epochOf(eventId)) {
      this.opts.log?.('info', 'an event host of an earlier lease was disposed', { eventId, epoch: host.epoch });
      void this.dispose(eventId);
      return undefined;
    }
    return host;
  }

  live(): Iterable<EventHost> {
    return [...this.hosts.values()];
  }

  /** Events with a host now. */
  eventIds(): string[] {
    return [...this.hosts.keys()].sort();
  }

  /**
   * A fresh host for an event this process has just taken (a lease acquired): any host of an earlier epoch
   * goes first, then the start work runs (in the background: a failure is logged, the event is served).
   */
  start(eventId: string): EventHost {
    const host = this.of(eventId);
    for (const fn of this.starters) {
      Promise.resolve()
        .then(() => fn(host))
        .catch((err: unknown) => this.opts.log?.('warn', 'could not start part of an event host', { eventId, err: String(err) }));
    }
    return host;
  }

  /**
   * The event's documents went idle (doc-hub.ts): unless a part still serves someone, the host is disposed.
   * Resolves true when it was (or there was none), false when it is kept.
   */
  async idle(eventId: string): Promise<boolean> {
    const host = this.hosts.get(eventId);
    if (host?.busy() || this.inUse.some((fn) => fn(eventId))) return false;
    await this.dispose(eventId);
    return true;
  }

  /** Forgets the event: its host leaves the map at once (a new call makes a fresh one) and is disposed. */
  dispose(eventId: string): Promise<void> {
    const host = this.hosts.get(eventId);
    if (!host) return Promise.resolve();
    this.hosts.delete(eventId);
    const done = host.dispose(
      Promise.all(this.flushers.map((fn) => fn(eventId).catch((err: unknown) => this.opts.log?.('warn', "could not finish an event's work before forgetting it", { eventId, err: String(err) })))),
    );
    this.disposing.add(done);
    void done.finally(() => this.disposing.delete(done));
    return done;
  }

  /** Disposes every host (the server closes): timers stopped, pending writes flushed. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.eventIds().map((id) => this.dispose(id)));
    await Promise.all([...this.disposing]);
  }
}
