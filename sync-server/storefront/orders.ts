import { checkEntries } from '../../core/ledger/rights.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import type { Expectation, Stores } from '../storage/store.ts';
import type { GroupCommitter } from '../storage/group-commit.ts';
import type { PerEvent } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';
import { fingerprint, parseOrderInput } from './input.ts';
import type { ReservationStore } from './reservations.ts';
import { BuyerTally } from './buyer-tally.ts';
import { finishLegacyJournals } from './legacy-journal.ts';
import { KeyMemory } from './key-memory.ts';
import { planOrder, type OrderPlan } from './order-plan.ts';
import {
  canAdvance,
  FINAL_STATUSES,
  IDEMPOTENCY,
  MAX_LISTED_ORDERS,
  ORDERS,
  RECEIPTS,
  type IdempotencyRecord,
  type KeyAnswer,
  type OrderRecord,
  type OrderStatus,
  type Placement,
} from './order-record.ts';
import { IdempotencyKeyReused, InvalidStatusTransition, OrderNotFound } from './storefront-errors.ts';

export * from './order-record.ts';

/**
 * Online orders. The server is the only writer of the holders that fulfil them (the online allocation, hubs and
 * pick-up points), so an order is routed, checked and written here, inside the event's serial section
 * (`EventService.serial`): two requests can never both take the last unit.
 *
 * Exactly once, even across a crash: an order is planned (order-plan.ts) and then written by ONE commit of
 * the event's store (DocHub.commitChanges): the order record, its Idempotency-Key's answer, the receipt
 * counter (on condition that it still holds the number the plan counted from), the consumed reservation's
 * deletion and the sales' updates of the brand documents. A crash or a failed write leaves all of it or
 * none of it: none, and the client, which got no answer, retries under the same key and the order is placed
 * then; all, and the retry is answered with the stored answer. No journal, no completion after a crash.
 *
 * Group commit (storage/group-commit.ts): an order's changes are applied in memory inside the serial section
 * and its commit joins the event's next group; the serial section moves on to the next order, which plans on
 * what this one took, and this order's answer waits, outside the section, for its group to be durable. When
 * a group fails, every order in it (and every one applied after it) fails with nothing written: the
 * documents are reloaded from the store (DocHub), and this desk's memory of those orders is rolled back.
 */
export interface OrderDeskDeps {
  hub: DocHub;
  events: EventService;
  stores: Stores;
  /** Where each event's order memory lives (event-hosts.ts): forgotten when the process stops serving it. */
  hosts: EventHosts;
  reservations: ReservationStore;
  now: () => number;
  /** Stock the storefront offers may have changed. */
  changed: (eventId: string) => void;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /**
   * How the API answers a refusal (http/error-map.ts, injected so this module knows no HTTP): a refusal is
   * remembered (in memory, key-memory.ts) as its key's answer, so a retry gets the same one. A status of 500
   * or more is a fault, not an answer: it is not remembered and the request may be retried.
   */
  answerOf: (err: unknown) => KeyAnswer;
}

export class OrderDesk {
  /** Per event: the last WEB receipt sequence stored (read once; advanced only after a commit). */
  private readonly receiptSeq: PerEvent<number | undefined>;
  private readonly tally: BuyerTally;
  /** Per event: journals of the server before one-commit orders finished (once, on the event's first use). */
  private readonly legacy: PerEvent<Promise<void>>;
  /** Idempotency records written but maybe not yet durable: visible to the next request at once. */
  private readonly inflight = new Map<string, { rec: IdempotencyRecord; durable: Promise<void> }>();
  /** One store commit per group of orders per event. */
  private readonly groups: GroupCommitter;
  /** Per event: order ids per location they are routed to, built from the event's orders on first use. */
  private readonly routed: PerEvent<Promise<Map<string, Set<string>>>>;
  /** Per event: which keys have stored answers, and the refusals' answers (memory only). */
  private readonly keys: KeyMemory;

  constructor(private readonly d: OrderDeskDeps) {
    this.receiptSeq = d.hosts.slot('receipt-seq');
    this.legacy = d.hosts.slot('legacy-journals');
    this.routed = d.hosts.slot('routed-orders');
    this.tally = new BuyerTally(d.stores, ORDERS, d.hosts);
    // The event service's: the server clock's record goes through the same per-event groups (event-clock.ts).
    this.groups = d.events.groups;
    this.keys = new KeyMemory(d.stores, d.hosts.slot('idempotency-keys'));
  }

  /**
   * Places an order under an Idempotency-Key. A new order is placed, or refused by a thrown domain error;
   * when it is a retry with the same key and body, it is that request's answer, replayed. The key's answer
   * is durable before this resolves or throws.
   */
  async place(eventId: string, idempotencyKey: string, raw: unknown): Promise<Placement> {
    const input = parseOrderInput(raw);
    const fp = fingerprint(raw);
    const inflightKey = `${eventId}\u0000${idempotencyKey}`;
    let durable: Promise<void> = Promise.resolve();
    const outcome = await this.d.events.serial(eventId, async (): Promise<Placement | { kind: 'refused'; err: unknown }> => {
      await this.d.reservations.ready(eventId);
      await this.recover(eventId);
      const keys = await this.keys.of(eventId);
      const pending = this.inflight.get(inflightKey);
      // An answer not yet durable is given only once it is: if its group fails, the retry fails too (500).
      if (pending) durable = pending.durable;
      // From memory (key-memory.ts): the store is read only for a key whose answer it is known to hold.
      const seen = pending?.rec ?? keys.refusal(idempotencyKey) ?? (keys.isStored(idempotencyKey) ? await this.d.stores.event(eventId).get<IdempotencyRecord>(IDEMPOTENCY, idempotencyKey) : undefined);
      if (seen) {
        if (seen.fingerprint !== fp) throw new IdempotencyKeyReused();
        return { kind: 'replayed', answer: { status: seen.status, ...(seen.body !== undefined ? { body: seen.body } : {}) } };
      }
      let plan: OrderPlan;
      try {
        plan = await planOrder({ hub: this.d.hub, events: this.d.events, reservations: this.d.reservations, tally: this.tally, now: this.d.now, receiptSeq: (e) => this.nextReceiptSeq(e) }, eventId, input);
      } catch (err) {
        const answer = this.d.answerOf(err);
        if (answer.status >= 500) throw err;
        // A refusal is the key's answer for as long as this process remembers it, and is not stored: it
        // changed nothing, so a crowd refused after a sell-out costs no storage at all (docs/api.md,
        // "Idempotency"). After a restart the key is judged anew, which can at most place the order once.
        keys.refused(idempotencyKey, { fingerprint: fp, status: answer.status, body: answer.body, createdAt: this.d.now() });
        return { kind: 'refused', err };
      }
      const placed = await this.apply(eventId, idempotencyKey, fp, plan);
      keys.storing(idempotencyKey);
      durable = placed.durable;
      this.remembering(inflightKey, placed.rec, durable);
      return { kind: 'placed', order: plan.body };
    });
    await durable;
    if (outcome.kind === 'refused') throw outcome.err;
    return outcome;
  }

  /**
   * Drops everything this desk keeps in memory for the event (receipt counter, buyer tally, routed index,
   * Idempotency-Keys): it is read from the store again on the event's next use. For when the event leaves this
   * process (a cluster's lease moved: another process may write it meanwhile) or its documents are unloaded.
   */
  forget(eventId: string): void {
    this.receiptSeq.delete(eventId);
    this.tally.forgetEvent(eventId);
    this.routed.delete(eventId);
    this.keys.forget(eventId);
  }

  async get(eventId: string, orderId: string): Promise<OrderRecord> {
    const order = await this.d.stores.event(eventId).get<OrderRecord>(ORDERS, orderId);
    if (!order) throw new OrderNotFound(`there is no order "${orderId}" in ${eventId}`);
    return order;
  }

  /** The orders routed to a location, newest first (at most MAX_LISTED_ORDERS); `open` leaves out finished ones. */
  async routedTo(eventId: string, locationId: string, opts: { open?: boolean } = {}): Promise<OrderRecord[]> {
    const ids = (await this.routedIndex(eventId)).get(locationId) ?? new Set<string>();
    const out: OrderRecord[] = [];
    for (const id of ids) {
      const o = await this.d.stores.event(eventId).get<OrderRecord>(ORDERS, id);
      if (o && !(opts.open && FINAL_STATUSES.includes(o.status))) out.push(o);
    }
    out.sort((a, b) => b.createdAt - a.createdAt || (a.orderId < b.orderId ? 1 : -1));
    return out.slice(0, MAX_LISTED_ORDERS);
  }

  /**
   * Moves an order forward (placed → allocated → picked → ready/shipped → collected/delivered); 409 otherwise.
   * `may` decides, on the stored order, whether the caller may (a till: only orders routed to its location).
   */
  async setStatus(eventId: string, orderId: string, status: OrderStatus, may: (order: OrderRecord) => void = () => undefined): Promise<OrderRecord> {
    return this.d.events.serial(eventId, async () => {
      const order = await this.get(eventId, orderId);
      may(order);
      if (!canAdvance(order.status, status, order.fulfilment?.type)) {
        throw new InvalidStatusTransition(`order ${orderId} is ${order.status}; it cannot go to ${status}${order.fulfilment ? ` (fulfilment: ${order.fulfilment.type})` : ''}`);
      }
      const next: OrderRecord = { ...order, status, history: [...order.history, { status, at: this.d.now() }] };
      await this.d.stores.event(eventId).put(ORDERS, orderId, next);
      return next;
    });
  }

  /**
   * Before the event's first reservation or order: journals a server of the earlier, journalled order path
   * left in a data dir are finished (legacy-journal.ts). Runs inside the serial section.
   */
  recover(eventId: string): Promise<void> {
    return once(this.legacy, eventId, () =>
      finishLegacyJournals({ hub: this.d.hub, stores: this.d.stores, events: this.d.events, log: this.d.log, consumed: (e, id) => this.d.reservations.consumed(e, id) }, eventId, (order) => this.remember(order)).then(() => {
        // The counter may have moved with them: read it again.
        this.receiptSeq.delete(eventId);
      }),
    );
  }

  // ---- internals ------------------------------------------------------------------------------------

  /** A key's answer, visible to the next request at once and until it is stored (or its write failed). */
  private remembering(inflightKey: string, rec: IdempotencyRecord, durable: Promise<void>): void {
    const entry = { rec, durable };
    this.inflight.set(inflightKey, entry);
    const forget = () => {
      if (this.inflight.get(inflightKey) === entry) this.inflight.delete(inflightKey);
    };
    durable.then(forget, forget);
  }

  /**
   * The one commit of an order (see the class comment), applied in memory now and handed to the event's group
   * committer; memory (receipt counter, reservations, buyer tally, routed index) follows at once, so the next
   * order plans on it, and is rolled back if the group fails. `durable` settles with the group.
   */
  private async apply(eventId: string, idempotencyKey: string, fp: string, plan: OrderPlan): Promise<{ rec: IdempotencyRecord; durable: Promise<void> }> {
    const before = this.receiptSeq.get(eventId);
    const receipts: Expectation = { ns: RECEIPTS, key: '', equals: before };
    const rec: IdempotencyRecord = { fingerprint: fp, status: 201, body: plan.body, createdAt: plan.order.createdAt };
    let applied: { durable: Promise<void> };
    try {
      applied = await this.d.hub.applyChanges(
        eventId,
        plan.parts.map((part) => ({
          doc: brandDocName(eventId, part.brandId),
          // Planned against the same view in this serial section; checked again in the commit's own step.
          check: (_doc, ctx) => {
            if (ctx.view) checkEntries(ctx.view, part.entries, ctx.ownerOf);
          },
          apply: (doc) => new BrandDoc(doc).appendSale(part.sale, part.entries),
        })),
        {
          put: [
            { ns: ORDERS, key: plan.order.orderId, value: plan.order },
            { ns: IDEMPOTENCY, key: idempotencyKey, value: rec },
            { ns: RECEIPTS, key: '', value: plan.receiptSeq },
            // The event's clock after the order's ids, in the order's own commit (event-clock.ts).
            ...this.d.events.clockRecord(eventId),
          ],
          ...(plan.reservationId !== undefined ? { del: [{ ns: 'reservations', key: plan.reservationId }] } : {}),
          // The receipt counter is still what this plan counted from: no WEB number is given twice. The key
          // has no stored answer: memory (key-memory.ts) said so, and the store has the last word.
          expect: [receipts, { ns: IDEMPOTENCY, key: idempotencyKey, equals: undefined }],
        },
        (c) => this.groups.add(eventId, c),
      );
    } catch (err) {
      // Read the counter again next time: what is stored is the truth, whatever this attempt assumed.
      this.receiptSeq.delete(eventId);
      throw err;
    }
    this.receiptSeq.set(eventId, plan.receiptSeq);
    const reservation = plan.reservationId !== undefined ? this.d.reservations.get(eventId, plan.reservationId) : undefined;
    if (plan.reservationId !== undefined) this.d.reservations.consumed(eventId, plan.reservationId);
    // Handlers go on `applied.durable` before any await: the group may fail while the order is remembered.
    const remembered = this.remember(plan.order);
    const durable = applied.durable.then(
      () => {
        this.d.changed(eventId);
      },
      async (err: unknown) => {
        // Nothing of this order was stored: memory forgets it. Every order applied after it failed with it
        // (group-commit.ts), so the stored counter is again the truth; it is read on the next order. So are
        // the keys: what memory holds of them may have been built on this group (or a stale view of the store).
        this.receiptSeq.delete(eventId);
        this.keys.forget(eventId);
        if (reservation) this.d.reservations.restore(eventId, reservation);
        await remembered.catch(() => undefined);
        await this.forgetOrder(plan.order);
        throw err;
      },
    );
    durable.catch(() => undefined);
    await remembered;
    return { rec, durable };
  }

  /** An order whose commit failed leaves the buyer tally and the routed index. */
  private async forgetOrder(order: OrderRecord): Promise<void> {
    await this.tally.forget(order.eventId, order.orderId);
    if (order.routedTo !== undefined) (await this.routedIndex(order.eventId)).get(order.routedTo)?.delete(order.orderId);
  }

  /** A stored order joins the buyer tally and the routed index. */
  private async remember(order: OrderRecord): Promise<void> {
    await this.tally.record(order);
    if (order.routedTo !== undefined) {
      const index = await this.routedIndex(order.eventId);
      index.set(order.routedTo, (index.get(order.routedTo) ?? new Set()).add(order.orderId));
    }
  }

  private routedIndex(eventId: string): Promise<Map<string, Set<string>>> {
    return once(this.routed, eventId, async () => {
      const out = new Map<string, Set<string>>();
      for (const [, o] of await this.d.stores.event(eventId).list<OrderRecord>(ORDERS)) {
        if (o.routedTo !== undefined) out.set(o.routedTo, (out.get(o.routedTo) ?? new Set()).add(o.orderId));
      }
      return out;
    });
  }

  private async nextReceiptSeq(eventId: string): Promise<number> {
    if (!this.receiptSeq.has(eventId)) this.receiptSeq.set(eventId, await this.d.stores.event(eventId).get<number>(RECEIPTS, ''));
    return (this.receiptSeq.get(eventId) ?? 0) + 1;
  }
}

/** The per-event value made by `make` on first use; a failed making is tried again next time. */
function once<T>(cache: PerEvent<Promise<T>>, eventId: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(eventId);
  if (!p) {
    p = make();
    p.catch(() => cache.delete(eventId));
    cache.set(eventId, p);
  }
  return p;
}
