/**
 * What the harness saw each actor confirm: the ground truth the final checks hold the replicas to. A sale is
 * recorded only once the till said it was done (the store's commit resolved, or the screen showed "Sale
 * complete" with its receipt number); an order only once the server answered 201.
 */
export interface ConfirmedSale {
  till: string;
  brandId: string;
  /** Sale id (Node tills) — browser tills know only the receipt number the screen showed. */
  saleId?: string;
  receiptNumber: string;
  total: number;
  override: boolean;
}

export interface ConfirmedRefund {
  till: string;
  brandId: string;
  refundId: string;
  total: number;
}

export interface ConfirmedOrder {
  key: string;
  orderId: string;
  receiptNumber: string;
  total: number;
  sales: string[];
}

export interface Counters {
  sales: number;
  salesBrowser: number;
  overrides: number;
  refunds: number;
  /** Refunds of another till's sale, with rights claimed through the server or a manager's override. */
  crossTillRefunds: number;
  refundClaims: number;
  refundOverrides: number;
  transfers: number;
  rightsRequests: number;
  refusedOutOfRights: number;
  /** Sales interrupted by a reload before the till said done (they may or may not have landed). */
  interruptedSales: number;
  reloadsNode: number;
  reloadsBrowser: number;
  serverKills: number;
  /** In a cluster run: the owner stopped (SIGSTOP) past its lease, then let run again. */
  ownerStalls: number;
  orders: number;
  ordersRefused: number;
  orderRetries: number;
  /** Same key sent again after a 201 or a lost answer, and answered with the first order (Idempotent-Replayed). */
  orderReplays: number;
  /** Orders still unanswered when the run ended (they may or may not exist). */
  ordersUnanswered: number;
  actionErrors: number;
}

export class RunRecord {
  readonly sales: ConfirmedSale[] = [];
  readonly refunds: ConfirmedRefund[] = [];
  readonly orders: ConfirmedOrder[] = [];
  /** Every order id a key was ever answered with: more than one for a key is a duplicate order. */
  readonly orderIdsByKey = new Map<string, Set<string>>();
  readonly errors: string[] = [];
  /** How often each kind of unplanned error happened (digits folded), for the report. */
  readonly errorKinds = new Map<string, number>();
  readonly counters: Counters = {
    sales: 0,
    salesBrowser: 0,
    overrides: 0,
    refunds: 0,
    crossTillRefunds: 0,
    refundClaims: 0,
    refundOverrides: 0,
    transfers: 0,
    rightsRequests: 0,
    refusedOutOfRights: 0,
    interruptedSales: 0,
    reloadsNode: 0,
    reloadsBrowser: 0,
    serverKills: 0,
    ownerStalls: 0,
    orders: 0,
    ordersRefused: 0,
    orderRetries: 0,
    orderReplays: 0,
    ordersUnanswered: 0,
    actionErrors: 0,
  };

  /** An action failed in a way the run did not plan for: kept for the report (a few), counted always. */
  error(who: string, err: unknown): void {
    this.counters.actionErrors++;
    const text = `${who}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    // The same failure over and over says less than one line with its count.
    const kind = text.replace(/[0-9]+/g, '#');
    const n = (this.errorKinds.get(kind) ?? 0) + 1;
    this.errorKinds.set(kind, n);
    if (n === 1 && this.errors.length < 50) this.errors.push(text);
  }
}
