/**
 * The serial section of each event: the server's writes of one event (stock moves, rights grants, orders,
 * reservations, pairing) run one at a time, so a batch checked against the stock view is appended before any
 * other server write can spend the same rights. Different events never wait for each other. (Tills never
 * lower a server holder's rights, so they cannot race with this.)
 */
export class EventSerial {
  private readonly queues = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier call for the event has settled; a failure does not stop the queue. */
  run<T>(eventId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(eventId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(eventId, tail);
    // Forget an event whose queue emptied, so the map holds only events with work under way.
    void tail.then(() => {
      if (this.queues.get(eventId) === tail) this.queues.delete(eventId);
    });
    return run;
  }

  /** Whether the event has work queued or running. */
  busy(eventId: string): boolean {
    return this.queues.has(eventId);
  }

  /** Events with work queued or running (tests and metrics). */
  busyEvents(): number {
    return this.queues.size;
  }
}
