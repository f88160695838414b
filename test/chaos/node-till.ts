import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { priceItems } from '../../core/selling/checkout.ts';
import { hubHolder } from '../../core/ledger/holders.ts';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { returnable } from '../../core/refunds/refund-builder.ts';
import { NoRefundRightsError } from '../../core/refunds/refund-rights.ts';
import type { Refund } from '../../core/refunds/refund.ts';
import type { Sale } from '../../core/selling/sale.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import { TillSync } from '../../renderer/src/sync/till-sync.ts';
import type { ChaosLink } from './proxy.ts';
import type { Prng } from './prng.ts';
import type { RunRecord } from './record.ts';
import { docMaps, type DocMaps } from './replica.ts';

/**
 * A light till: the real data layer (LocalStore over its own fake IndexedDB) and the real sync client
 * (TillSync over `ws`), talking to the server through its own ChaosLink. "Reload" drops every object and
 * opens the store again from the same IndexedDB, as a till process restarting does.
 */
export interface PairedProfile {
  token: string;
  tillId: string;
  receiptPrefix: string;
  brandIds: string[];
  eventId: string;
}

export class NodeTill {
  readonly indexedDB = new IDBFactory();
  readonly deviceId = newDeviceId(webCryptoRandom);
  store!: LocalStore;
  sync: TillSync | undefined;
  profile: PairedProfile | undefined;
  /**
   * Every outbox row the server acknowledged, by row number (its ack's state vector covered the row), kept across reloads:
   * after the final SIGKILL and restart each must be in the server's store (run.ts, "acknowledged updates").
   */
  readonly acked = new Map<number, { doc: string; update: Uint8Array }>();

  constructor(
    readonly name: string,
    readonly link: ChaosLink,
    private readonly rng: Prng,
    private readonly record: RunRecord,
  ) {}

  async open(): Promise<void> {
    this.store = await LocalStore.open({ dbName: 'till', indexedDB: this.indexedDB, IDBKeyRange, deviceId: this.deviceId });
    // Record what each acknowledgement covers, with the same rule the store marks rows by (local-store.ts).
    const store = this.store;
    const acknowledge = store.acknowledge.bind(store);
    store.acknowledge = async (docName, stateVector) => {
      const sv = Y.decodeStateVector(stateVector);
      const rows = (await store.outbox()).filter((r) => r.doc === docName);
      for (const r of rows) {
        if (Y.decodeUpdate(r.update).structs.every((st) => st.id.clock + st.length <= (sv.get(st.id.client) ?? 0))) this.acked.set(r.seq!, { doc: docName, update: r.update });
      }
      return acknowledge(docName, stateVector);
    };
  }

  /** Pairs over HTTP through the link (retrying while the link or the server is down). */
  async pair(code: string): Promise<void> {
    const body = await retry(async () => {
      const res = await fetch(`${this.link.url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId: this.deviceId }), signal: AbortSignal.timeout(5000) });
      if (res.status !== 201) throw new Error(`pairing answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as PairedProfile;
    });
    this.profile = body;
    await this.store.setProfile({ eventId: body.eventId, tillId: body.tillId, receiptPrefix: body.receiptPrefix, serverUrl: this.link.url, token: body.token, brandIds: body.brandIds });
    this.startSync();
  }

  startSync(): void {
    const p = this.profile!;
    this.sync = new TillSync(this.store, { serverUrl: this.link.url, token: p.token, eventId: p.eventId, brandIds: p.brandIds, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, minBackoffMs: 50, maxBackoffMs: 1000 });
    this.sync.start();
  }

  /** Drops the store and the sync client and opens both again from the same IndexedDB. */
  async reload(): Promise<void> {
    this.sync?.stop();
    this.store.close();
    await this.open();
    this.startSync();
    this.record.counters.reloadsNode++;
  }

  get ready(): boolean {
    return this.store.config() !== undefined;
  }

  /** One random action: sell (mostly), refund, give stock to the hub, ask the reserve; sometimes reload mid-sale. */
  async act(opts: { reloadChance: number; overrideChance: number }): Promise<void> {
    if (!this.ready) return;
    const r = this.rng.next();
    try {
      if (r < 0.62) await this.sell(opts);
      else if (r < 0.77) await this.refund();
      else if (r < 0.87) await this.transfer();
      else await this.askReserve();
    } catch (err) {
      this.record.error(this.name, err);
    }
  }

  private sellable(): { brandId: string; sku: string; rights: number }[] {
    const out: { brandId: string; sku: string; rights: number }[] = [];
    for (const brandId of this.profile!.brandIds) {
      for (const p of this.store.allProducts()) {
        if (p.brandId !== brandId || p.serialTracked) continue;
        out.push({ brandId, sku: p.sku, rights: this.store.rights(brandId, p.sku) });
      }
    }
    return out;
  }

  async sell(opts: { reloadChance: number; overrideChance: number }): Promise<void> {
    const all = this.sellable();
    if (all.length === 0) return;
    const withRights = all.filter((s) => s.rights > 0);
    const override = withRights.length === 0 || this.rng.chance(opts.overrideChance);
    const pick = override ? this.rng.pick(all) : this.rng.pick(withRights);
    // A cart of one or two lines (possibly two brands): the commit spans brand documents in one transaction.
    const lines = [{ brandId: pick.brandId, sku: pick.sku, qty: override ? pick.rights + 1 : this.rng.int(1, Math.min(2, pick.rights)) }];
    const others = withRights.filter((s) => s.sku !== pick.sku);
    const second = !override && others.length > 0 && this.rng.chance(0.25) ? this.rng.pick(others) : undefined;
    if (second) lines.push({ brandId: second.brandId, sku: second.sku, qty: 1 });
    if (override && lines[0]!.qty <= 0) lines[0]!.qty = 1;
    const now = Date.now();
    const total = priceItems(lines, this.store.config()!, (b, s) => this.store.product(b, s), now).totals.total;
    const sales = await this.store.commitSale({ cart: { lines }, payments: [{ method: this.rng.chance(0.5) ? 'cash' : 'card', amount: total }], cashierId: 'ana', now, ...(override ? { override: { managerId: 'mia', reason: 'chaos: customer waiting, stock on the shelf' } } : {}) });
    // Done: the till has told the cashier "Sale complete".
    for (const s of sales) this.record.sales.push({ till: this.name, brandId: s.brandId, saleId: s.id, receiptNumber: s.receiptNumber, total: s.total, override });
    this.record.counters.sales++;
    if (override) this.record.counters.overrides++;
    // Between the commit and the server's acknowledgement: the till process dies and starts again.
    if (this.rng.chance(opts.reloadChance)) await this.reload();
  }

  /**
   * Returns a unit of a recent sale of any till of its brands (refund rights, core/refunds/refund-rights.ts): when
   * this till does not hold the sale's refund rights it claims them through the server (they arrive while it
   * is online; a later refund uses them), and now and then a manager overrides instead (recorded, alerted).
   */
  private async refund(): Promise<void> {
    const recent = await this.store.recentSales(40);
    const candidates = recent.filter((s) => hasReturnable(s, this.store.refundsOf(s)));
    if (candidates.length === 0) return;
    const sale = this.rng.pick(candidates);
    const earlier = this.store.refundsOf(sale).flatMap((r) => r.lines);
    const left = sale.lines.filter((l) => l.qty > earlier.filter((x) => x.sku === l.sku).reduce((a, x) => a + x.qty, 0));
    if (left.length === 0) return;
    const { sku } = this.rng.pick(left);
    const reason = this.rng.chance(0.7) ? 'changed-mind' : 'defective';
    const req = { lines: [{ sku, qty: 1, reason }], cashierId: 'ana', approvedBy: 'mia' };
    let refund: Refund;
    try {
      refund = await this.store.commitRefund(sale.id, req);
    } catch (err) {
      if (!(err instanceof NoRefundRightsError)) throw err;
      if (!this.rng.chance(0.1)) {
        await this.store.claimRefundRights(sale.id, [{ sku, qty: 1 }]);
        this.record.counters.refundClaims++;
        return;
      }
      refund = await this.store.commitRefund(sale.id, { ...req, rightsOverride: { managerId: 'mia', reason: 'chaos: rights held elsewhere' } });
      this.record.counters.refundOverrides++;
    }
    if (sale.tillId !== this.profile!.tillId) this.record.counters.crossTillRefunds++;
    this.record.refunds.push({ till: this.name, brandId: sale.brandId, refundId: refund.id, total: refund.total });
    this.record.counters.refunds++;
  }

  /** Gives some of this till's own stock to the central micro-hub: the till writes the transfer itself. */
  private async transfer(): Promise<void> {
    const withRights = this.sellable().filter((s) => s.rights > 3);
    if (withRights.length === 0) return;
    const pick = this.rng.pick(withRights);
    const batch = this.store.writer(pick.brandId).batch();
    batch.transfer(this.store.holder!, hubHolder('hub-central'), pick.sku, this.rng.int(1, 2));
    await this.store.appendEntries(pick.brandId, batch.entries);
    this.record.counters.transfers++;
  }

  private async askReserve(): Promise<void> {
    const low = this.sellable().filter((s) => s.rights < 6);
    if (low.length === 0) return;
    const pick = this.rng.pick(low);
    await this.store.requestRights(pick.brandId, pick.sku, this.rng.int(3, 8), 'chaos: running low');
    this.record.counters.rightsRequests++;
  }

  /** Rows the server has not acknowledged yet. */
  async outboxSize(): Promise<number> {
    return (await this.store.outbox()).length;
  }

  stateVectors(): Map<string, Uint8Array> {
    return new Map([...this.store.docs()].map(([name, doc]) => [name, Y.encodeStateVector(doc)]));
  }

  /** What this till holds: read back from its IndexedDB (a fresh store), not from the objects in memory. */
  async replica(): Promise<{ docs: Map<string, DocMaps>; sales: Sale[]; stock: { brandId: string; holder: string; sku: string; sellable: number; quarantined: number }[] }> {
    const fresh = await LocalStore.open({ dbName: 'till', indexedDB: this.indexedDB, IDBKeyRange });
    try {
      const docs = new Map([...fresh.docs()].map(([name, doc]) => [name, docMaps(doc)]));
      return { docs, sales: await fresh.db.sales.toArray(), stock: await fresh.db.stock.toArray() };
    } finally {
      fresh.close();
    }
  }

  stop(): void {
    this.sync?.stop();
    this.store.close();
  }
}

function hasReturnable(sale: Sale, earlier: ReturnType<LocalStore['refundsOf']>): boolean {
  return [...returnable(sale, earlier).values()].some((r) => r.units > 0);
}

/** Retries while the link or the server is down: a till keeps trying until it gets through. */
export async function retry<T>(fn: () => Promise<T>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
