import type * as Y from 'yjs';
import { Reconnect } from '../../renderer/src/sync/reconnect.ts';
import { SyncClient } from '../sync-server/client.ts';
import type { TillFleet } from '../sync-server/workloads.ts';
import { docOf, EVENT_ID, type Till } from '../sync-server/world.ts';
import { ownedEvents, type PgCluster } from './pg-cluster.ts';

/**
 * Failover as a till sees it (issue #14: "when the owner dies, another process serves the event within
 * 5 s; its clients reconnect with backoff and resend what was not acknowledged"). Tills connected to the
 * processes that do NOT own the event (their connections are forwarded to the owner) sell at a steady rate;
 * the owner is SIGKILLed; the forwarded connections drop, and each till reconnects to its own process on the
 * till's own schedule (renderer/src/sync/reconnect.ts, the same class: 500 ms, then every 1 s for 15 s, then doubling to 15 s), which
 * answers 503 until the dead owner's lease runs out and then takes the lease and serves. Measured:
 *  - kill → served: the first moment a surviving process's /healthz lists the event (polled every 50 ms);
 *  - kill → first acknowledged write: the first durable acknowledgement (`ack=1`) that covers a sale made
 *    AFTER the kill, so an acknowledgement the dead owner had in flight never counts.
 * And counted: the sales not acknowledged 15 s after the round (a till still waiting out its backoff). Which
 * sales are not acknowledged is kept across rounds (`Pending`): `settle` connects every till once more at the
 * end and waits for all of them, and what is left then was lost.
 */

export interface FailoverRound {
  killToServedMs: number;
  killToAckMs: number;
  sales: number;
  /** Sales (of this round or before) not acknowledged 15 s after the round's sales stopped. */
  unacknowledged: number;
  reconnects: number;
}

/** Each till's sales not acknowledged yet (its Yjs clock after the sale, when it was made), by till id. */
export type Pending = Map<string, { end: number; soldAt: number }[]>;

/** A till that reconnects like the real one and remembers which of its sales are not acknowledged yet. */
class FailoverTill {
  private client: SyncClient | undefined;
  private connected = false;
  private readonly reconnect = new Reconnect();
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  reconnects = 0;

  constructor(
    private readonly till: Till,
    private readonly doc: Y.Doc,
    readonly pending: { end: number; soldAt: number }[],
    private readonly wsBase: string,
    private readonly onAcked: (soldAt: number, at: number) => void,
  ) {}

  connect(): Promise<void> {
    const c = new SyncClient({
      wsBase: this.wsBase,
      docName: docOf(this.till.brandId),
      params: { token: this.till.token, resend: 'own', ack: '1' },
      doc: this.doc,
      onAck: (sv, at) => {
        const have = sv.get(this.doc.clientID) ?? 0;
        while (this.pending.length && this.pending[0]!.end <= have) this.onAcked(this.pending.shift()!.soldAt, at);
      },
      onClose: () => {
        if (this.client !== c) return;
        this.connected = false;
        if (this.closed) return;
        this.reconnects++;
        this.timer = setTimeout(() => void this.connect(), this.reconnect.next());
      },
    });
    this.client = c;
    c.ws.on('open', () => this.reconnect.reset());
    return c.whenSynced().then(
      () => {
        if (this.client === c) this.connected = true;
      },
      () => undefined,
    );
  }

  /** The sale goes on the wire when connected; otherwise it waits in the document and is resent on reconnecting. */
  sell(fleet: TillFleet, at: number): void {
    const sold = fleet.writer(this.till, this.doc).sell();
    this.pending.push({ end: sold.end, soldAt: at });
    if (this.connected) this.client!.sendUpdate(sold.update);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.client?.close();
  }
}

function tillsOn(cluster: PgCluster, procs: readonly number[], fleet: TillFleet, tills: readonly Till[], pending: Pending, onAcked: (soldAt: number, at: number) => void): FailoverTill[] {
  return tills.map((t, j) => {
    const doc = fleet.docs.get(t.tillId);
    if (!doc) throw new Error(`till ${t.tillId} has no document in the fleet`);
    const mine = pending.get(t.tillId) ?? [];
    pending.set(t.tillId, mine);
    return new FailoverTill(t, doc, mine, `${cluster.procs[procs[j % procs.length]!]!.url.replace('http', 'ws')}/sync`, onAcked);
  });
}

const unacknowledged = (pending: Pending): number => [...pending.values()].reduce((a, p) => a + p.length, 0);

/**
 * After the rounds: every till connects once more (to every process in turn, as tills behind a proxy would)
 * and resends what was never acknowledged; the sales still unacknowledged after `timeoutMs` were lost.
 */
export async function settle(cluster: PgCluster, fleet: TillFleet, tills: readonly Till[], pending: Pending, timeoutMs: number): Promise<number> {
  const fts = tillsOn(cluster, cluster.procs.map((_, i) => i), fleet, tills, pending, () => undefined);
  try {
    await Promise.all(fts.map((f) => f.connect()));
    const end = performance.now() + timeoutMs;
    while (unacknowledged(pending) && performance.now() < end) await sleep(50);
    return unacknowledged(pending);
  } finally {
    for (const f of fts) f.close();
  }
}

export async function failoverRound(cluster: PgCluster, fleet: TillFleet, tills: readonly Till[], pending: Pending, opts: { rate: number; beforeS: number; log: (m: string) => void }): Promise<FailoverRound> {
  const owner = await cluster.owner(EVENT_ID);
  if (owner < 0) throw new Error('no process owns the event before the kill');
  const survivors = cluster.procs.map((_, i) => i).filter((i) => i !== owner);
  let killAt = Infinity;
  let firstAck = Infinity;
  const onAcked = (soldAt: number, at: number) => {
    if (soldAt >= killAt && at < firstAck) firstAck = at;
  };
  const fts = tillsOn(cluster, survivors, fleet, tills, pending, onAcked);
  try {
    await Promise.all(fts.map((f) => f.connect()));
    let sales = 0;
    const seller = setInterval(() => {
      fts[sales % fts.length]!.sell(fleet, performance.now());
      sales++;
    }, 1000 / opts.rate);
    try {
      await sleep(opts.beforeS * 1000);
      killAt = performance.now();
      cluster.kill(owner);
      let servedAt = Infinity;
      const giveUp = killAt + 20_000;
      while ((servedAt === Infinity || firstAck === Infinity) && performance.now() < giveUp) {
        if (servedAt === Infinity) {
          for (const i of survivors) {
            const owned = await ownedEvents(cluster.procs[i]!.url).catch(() => [] as string[]);
            if (owned.includes(EVENT_ID)) servedAt = Math.min(servedAt, performance.now());
          }
        }
        await sleep(50);
      }
      await sleep(1000);
      clearInterval(seller);
      const drainEnd = performance.now() + 15_000;
      while (fts.some((f) => f.pending.length) && performance.now() < drainEnd) await sleep(50);
      const round = {
        killToServedMs: servedAt - killAt,
        killToAckMs: firstAck - killAt,
        sales,
        unacknowledged: unacknowledged(pending),
        reconnects: fts.reduce((a, f) => a + f.reconnects, 0),
      };
      opts.log(`  owner p${owner} killed: served by another after ${fmtMs(round.killToServedMs)}, first write acknowledged after ${fmtMs(round.killToAckMs)}; ${sales} sales, ${round.unacknowledged} not acknowledged 15 s after, ${round.reconnects} reconnections`);
      return round;
    } finally {
      clearInterval(seller);
    }
  } finally {
    for (const f of fts) f.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'never (20 s)');
