import { performance } from 'node:perf_hooks';
import type { Fence, LeaseHolder, Leases } from '../storage/store.ts';
import type { ClusterMetrics, LeaseDrop } from './cluster-metrics.ts';

/**
 * Which events this process owns, in a cluster of server processes on one PostgreSQL (docs/operations.md).
 *
 * An event is owned through its lease (storage/pg-leases.ts): taken on first need, renewed every
 * `renewEveryMs` while held, released on a clean shutdown. The lease's epoch is the fence every write for the
 * event carries (store.event(id, fence)), so the database refuses a write once another process took over.
 *
 * When does this process stop serving an event it held? As soon as it can no longer be sure it owns it:
 *  - a renewal is refused (the row names another owner or epoch: someone took over after a stall);
 *  - no renewal succeeded within the lease's time to live, by this process's own monotonic clock, counted
 *    from when the last successful renewal was *sent* (the database set the expiry at or after that moment,
 *    so this estimate ends no later than the real lease). The database may be unreachable or slow: either
 *    way another process may already hold the event;
 *  - a write was fenced (`LeaseLostError`, reported through `writeFenced`).
 * Then the event is dropped: its handlers (`onDrop`) unload its documents, stop its timers and close its
 * clients with 4409 (EventMoved), who reconnect and reach the new owner. Fencing, not this estimate, is what
 * keeps a stalled process from writing; dropping early keeps it from *serving* stale reads.
 */
export interface OwnershipOptions {
  leases: Leases;
  /** Unique to this run of this process (see pg-leases.ts: a reused id would inherit its predecessor's epoch). */
  owner: string;
  /**
   * The URL the other processes forward this process's events to (`--advertise`); a function when it is
   * known only once the server listens (port 0). Read when a lease is taken.
   */
  url: string | (() => string);
  /** The lease's time to live (default 3 s): an owner that dies is replaced after at most this long. */
  ttlMs?: number;
  /** How often held leases are renewed (default 1 s); at most a third of the TTL, so two renewals may fail in a row. */
  renewEveryMs?: number;
  /** How long a live holder elsewhere is remembered before the database is asked again (default 500 ms). */
  holderCacheMs?: number;
  metrics?: ClusterMetrics;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Monotonic milliseconds (tests may slow it down); default performance.now. */
  monotonic?: () => number;
}

/** Where an event is served: here, writing with `fence`, or by the live holder elsewhere. */
export type Placement = { kind: 'own'; fence: Fence } | { kind: 'forward'; holder: LeaseHolder };

/** The ownership was closed (the server is shutting down): it takes no more events. */
export class OwnershipClosedError extends Error {
  override readonly name = 'OwnershipClosedError';
  constructor() {
    super('this server process is shutting down and takes no more events');
  }
}

interface Held {
  epoch: number;
  /** Monotonic ms until which this process is sure it still holds the lease. */
  validUntil: number;
}

export class EventOwnership {
  readonly owner: string;
  private readonly leases: Leases;
  private readonly ttlMs: number;
  private readonly holderCacheMs: number;
  private readonly now: () => number;
  private readonly held = new Map<string, Held>();
  private readonly foreign = new Map<string, { holder: LeaseHolder; until: number }>();
  private readonly placing = new Map<string, Promise<Placement>>();
  private readonly dropHandlers = new Set<(eventId: string, reason: LeaseDrop) => void>();
  private readonly takeHandlers = new Set<(eventId: string, epoch: number) => void>();
  private readonly timer: ReturnType<typeof setInterval>;
  private renewing = false;
  private closed = false;

  constructor(private readonly opts: OwnershipOptions) {
    if (!opts.owner) throw new TypeError('a cluster process needs a non-empty owner id');
    this.owner = opts.owner;
    this.leases = opts.leases;
    this.ttlMs = opts.ttlMs ?? 3000;
    const renewEveryMs = opts.renewEveryMs ?? 1000;
    this.holderCacheMs = opts.holderCacheMs ?? 500;
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < 300) throw new RangeError(`lease TTL must be a whole number of at least 300 ms, got ${this.ttlMs}`);
    if (!Number.isInteger(renewEveryMs) || renewEveryMs < 50 || renewEveryMs * 3 > this.ttlMs) {
      throw new RangeError(`lease renewal interval must be a whole number from 50 ms to a third of the TTL (${this.ttlMs} ms), got ${renewEveryMs}`);
    }
    this.now = opts.monotonic ?? (() => performance.now());
    this.timer = setInterval(() => this.tick(), renewEveryMs);
    // Renewals must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  get url(): string {
    return typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url;
  }

  /** Serve here (taking the lease when nobody live holds it) or forward to the live holder. */
  place(eventId: string): Promise<Placement> {
    if (this.closed) return Promise.reject(new OwnershipClosedError());
    const mine = this.fenceOf(eventId);
    if (mine) return Promise.resolve({ kind: 'own', fence: mine });
    const known = this.foreign.get(eventId);
    if (known && known.until > this.now()) return Promise.resolve({ kind: 'forward', holder: known.holder });
    // One acquisition per event at a time: a burst of requests for a new event asks the database once.
    let p = this.placing.get(eventId);
    if (!p) {
      p = this.acquire(eventId).finally(() => this.placing.delete(eventId));
      this.placing.set(eventId, p);
    }
    return p;
  }

  /** The fence of an event this process is sure it holds now, else undefined. */
  fenceOf(eventId: string): Fence | undefined {
    const h = this.held.get(eventId);
    if (!h) return undefined;
    if (h.validUntil <= this.now()) {
      this.drop(eventId, 'renewal-timeout');
      return undefined;
    }
    return { epoch: h.epoch };
  }

  /** Events held now, with their epochs (for /healthz). */
  owned(): { eventId: string; epoch: number }[] {
    return [...this.held].map(([eventId, h]) => ({ eventId, epoch: h.epoch })).sort((a, b) => a.eventId.localeCompare(b.eventId));
  }

  /** Called when the event is dropped (unload its documents, stop its timers, close its clients with 4409). */
  onDrop(handler: (eventId: string, reason: LeaseDrop) => void): () => void {
    this.dropHandlers.add(handler);
    return () => this.dropHandlers.delete(handler);
  }

  /**
   * Called when this process has taken an event's lease (a first use, a takeover after another owner died,
   * or a take-back): the server starts the event's host (its alert watcher, its interrupted deliveries).
   */
  onTake(handler: (eventId: string, epoch: number) => void): () => void {
    this.takeHandlers.add(handler);
    return () => this.takeHandlers.delete(handler);
  }

  /** A write at `epoch` failed with LeaseLostError: the event is no longer this process's. */
  writeFenced(eventId: string, epoch: number): void {
    if (this.held.get(eventId)?.epoch === epoch) this.drop(eventId, 'write-fenced');
  }

  /** A forward to this holder failed: ask the database again next time instead of trusting the cache. */
  forgetHolder(eventId: string): void {
    this.foreign.delete(eventId);
  }

  /**
   * Gives one event up (its documents were unloaded for being idle): another process may take it at once,
   * and this one stops renewing a lease it does not use. Its drop handlers run first, with 'released'.
   */
  async release(eventId: string): Promise<void> {
    const h = this.held.get(eventId);
    if (!h) return;
    this.drop(eventId, 'released');
    await this.leases.release(eventId, this.owner, h.epoch);
  }

  /** Stops renewing and releases every lease held, so that another process may take them at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.placing.values()]);
    const held = [...this.held];
    for (const [eventId] of held) this.drop(eventId, 'released');
    await Promise.all(
      held.map(([eventId, h]) =>
        this.leases.release(eventId, this.owner, h.epoch).catch((err: unknown) => this.opts.log?.('warn', 'could not release a lease; it runs out by itself', { eventId, err: String(err) })),
      ),
    );
  }

  private async acquire(eventId: string): Promise<Placement> {
    const sent = this.now();
    const holder = await this.leases.acquire(eventId, this.owner, this.url, this.ttlMs);
    if (holder.owner !== this.owner) {
      this.foreign.set(eventId, { holder, until: this.now() + this.holderCacheMs });
      return { kind: 'forward', holder };
    }
    if (this.closed) {
      // Shut down while the database answered: give it straight back rather than hold it until it runs out.
      await this.leases.release(eventId, this.owner, holder.epoch);
      throw new OwnershipClosedError();
    }
    this.foreign.delete(eventId);
    this.held.set(eventId, { epoch: holder.epoch, validUntil: sent + this.ttlMs });
    if (this.opts.metrics) {
      this.opts.metrics.leasesHeld = this.held.size;
      this.opts.metrics.takeovers++;
    }
    this.opts.log?.('info', 'took the lease of an event', { eventId, epoch: holder.epoch });
    for (const handler of this.takeHandlers) {
      try {
        handler(eventId, holder.epoch);
      } catch (err) {
        this.opts.log?.('error', 'an event take handler failed', { eventId, err: String(err) });
      }
    }
    return { kind: 'own', fence: { epoch: holder.epoch } };
  }

  private tick(): void {
    // Local expiry first, whatever the database does: a renewal that hangs must not extend what we serve.
    for (const eventId of [...this.held.keys()]) this.fenceOf(eventId);
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    void this.renewAll().finally(() => (this.renewing = false));
  }

  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.held].map(async ([eventId, h]) => {
        const sent = this.now();
        try {
          const ok = await this.leases.renew(eventId, this.owner, h.epoch, this.ttlMs);
          const still = this.held.get(eventId);
          if (still?.epoch !== h.epoch) return;
          if (ok) still.validUntil = sent + this.ttlMs;
          else this.drop(eventId, 'renewal-refused');
        } catch (err) {
          // The database did not answer: keep trying; local expiry (tick) drops the event once the TTL is up.
          this.opts.log?.('warn', 'could not renew a lease', { eventId, err: String(err) });
        }
      }),
    );
  }

  private drop(eventId: string, reason: LeaseDrop): void {
    const h = this.held.get(eventId);
    if (!h) return;
    this.held.delete(eventId);
    if (this.opts.metrics) {
      this.opts.metrics.leasesHeld = this.held.size;
      this.opts.metrics.count(this.opts.metrics.drops, reason);
    }
    this.opts.log?.(reason === 'released' ? 'info' : 'warn', 'stopped serving an event', { eventId, epoch: h.epoch, reason });
    for (const handler of this.dropHandlers) {
      try {
        handler(eventId, reason);
      } catch (err) {
        this.opts.log?.('error', 'an event drop handler failed', { eventId, err: String(err) });
      }
    }
  }
}
