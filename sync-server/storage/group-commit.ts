import type { Commit, Expectation, RecordKey } from './store.ts';

/**
 * Group commit of one event's server writes (online orders): the commits handed in while an earlier group is
 * being written are merged into ONE store commit, so a crowd of orders costs one durable write (one fsync)
 * per group instead of one each. At most one group per event is in flight; the next one starts when it ends.
 *
 * Why it is safe:
 * - Each commit's caller awaits its own promise, which resolves only once the group holding it is durable.
 * - A group is written as one store commit: all of its commits or none of them.
 * - The commits of one event are applied to memory (documents, counters) in the order they are added, and a
 *   later one may build on an earlier one (the next receipt number, the stock left). So when a group fails,
 *   every commit added after it fails too (the group being collected is refused without being written): none
 *   of them can reach the store without what it was built on.
 * - A condition on a record an earlier commit of the same group writes is checked here against that value;
 *   the merged commit keeps only the conditions on what was stored before the group.
 */
export class GroupCommitter {
  private readonly events = new Map<string, EventGroups>();
  /** Who waits for an event's groups to end (`settled`). */
  private readonly idleWaiters = new Map<string, (() => void)[]>();

  /** `store`: where a key's groups are written (an event's store; any record space with `commit`). */
  constructor(private readonly store: (eventId: string) => { commit(c: Commit): Promise<void> }) {}

  /** Whether the event has a group collecting or being written. */
  pending(eventId: string): boolean {
    return this.events.has(eventId);
  }

  /** Resolves once the event has no group collecting or being written (written or failed, either way). */
  settled(eventId: string): Promise<void> {
    if (!this.events.has(eventId)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.set(eventId, [...(this.idleWaiters.get(eventId) ?? []), resolve]));
  }

  private ended(eventId: string): void {
    this.events.delete(eventId);
    const waiters = this.idleWaiters.get(eventId) ?? [];
    this.idleWaiters.delete(eventId);
    for (const w of waiters) w();
  }

  /** Resolves when `c` is durable as part of a group; rejects, with nothing of the group written, otherwise. */
  add(eventId: string, c: Commit): Promise<void> {
    let e = this.events.get(eventId);
    if (!e) {
      e = { collecting: [], writing: false };
      this.events.set(eventId, e);
    }
    const entry = deferred(c);
    e.collecting.push(entry);
    // The first commit of an idle event waits one turn of the event loop for others placed in the same turn.
    if (!e.writing && e.collecting.length === 1) setImmediate(() => this.flush(eventId));
    return entry.promise;
  }

  private flush(eventId: string): void {
    const e = this.events.get(eventId);
    if (!e || e.writing) return;
    const group = e.collecting.splice(0);
    if (group.length === 0) {
      this.ended(eventId);
      return;
    }
    e.writing = true;
    let written: Promise<void>;
    try {
      written = this.store(eventId).commit(mergeCommits(group.map((g) => g.commit)));
    } catch (err) {
      written = Promise.reject(err);
    }
    written.then(
      () => {
        for (const g of group) g.resolve();
        e.writing = false;
        this.flush(eventId);
      },
      (err: unknown) => {
        // Everything added since was built on this group in memory: it fails with it, unwritten.
        const after = e.collecting.splice(0);
        for (const g of [...group, ...after]) g.reject(err);
        e.writing = false;
        this.ended(eventId);
      },
    );
  }
}

/** A condition of a commit that an earlier commit of its group already made false: the group is refused. */
export class GroupConditionError extends Error {
  override readonly name = 'GroupConditionError';
  constructor(readonly failed: RecordKey) {
    super(`group commit refused: ${failed.ns}/${failed.key} is not what a commit of the group expected after the commits before it`);
  }
}

/**
 * Merges commits, in order, into one with the same effect as applying them one after another: the last write
 * of a key wins (a put after a delete stores it; a delete after a put deletes it), document updates keep
 * their order, and a condition on a key written earlier in the group is checked against that write.
 */
export function mergeCommits(commits: readonly Commit[]): Commit {
  const writes = new Map<string, { k: RecordKey; value: unknown; del: boolean }>();
  const expect: Expectation[] = [];
  const expected = new Set<string>();
  const updates: NonNullable<Commit['updates']> = [];
  const id = (k: RecordKey) => `${k.ns}\u0000${k.key}`;
  for (const c of commits) {
    for (const x of c.expect ?? []) {
      const w = writes.get(id(x));
      if (w) {
        const now = w.del ? undefined : w.value;
        if (JSON.stringify(now) !== JSON.stringify(x.equals)) throw new GroupConditionError({ ns: x.ns, key: x.key });
      } else if (!expected.has(id(x))) {
        expected.add(id(x));
        expect.push(x);
      } else if (JSON.stringify(expect.find((y) => id(y) === id(x))!.equals) !== JSON.stringify(x.equals)) {
        throw new GroupConditionError({ ns: x.ns, key: x.key });
      }
    }
    for (const p of c.put ?? []) {
      writes.delete(id(p));
      writes.set(id(p), { k: { ns: p.ns, key: p.key }, value: p.value, del: false });
    }
    for (const d of c.del ?? []) {
      writes.delete(id(d));
      writes.set(id(d), { k: { ns: d.ns, key: d.key }, value: undefined, del: true });
    }
    updates.push(...(c.updates ?? []));
  }
  const put = [...writes.values()].filter((w) => !w.del).map((w) => ({ ...w.k, value: w.value }));
  const del = [...writes.values()].filter((w) => w.del).map((w) => w.k);
  return { ...(put.length ? { put } : {}), ...(del.length ? { del } : {}), ...(updates.length ? { updates } : {}), ...(expect.length ? { expect } : {}) };
}

interface Pending {
  commit: Commit;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface EventGroups {
  collecting: Pending[];
  writing: boolean;
}

function deferred(commit: Commit): Pending {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers await it; a rejection is never left unhandled when one did not yet.
  promise.catch(() => undefined);
  return { commit, promise, resolve, reject };
}
