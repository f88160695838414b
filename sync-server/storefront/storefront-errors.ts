import { PopupError } from '../../core/base/errors.ts';
import { routeRefusal, type ShortLine } from '../../core/ledger/routing.ts';

/**
 * The online drop's refusals. Each names what went wrong and carries the fields a storefront needs to show
 * it (which lines are short, which limit was hit); none knows its HTTP status: http/error-map.ts does.
 */

/** No reservation by that id (released, consumed by an order, or expired and swept). */
export class ReservationNotFound extends PopupError {
  constructor(eventId: string, id: string) {
    super(`there is no reservation "${id}" in ${eventId} (released, consumed by an order, or expired and swept)`);
  }
}

export class OrderNotFound extends PopupError {}

/** The order's status may not go there (only forward along its fulfilment's path). */
export class InvalidStatusTransition extends PopupError {}

/** A reservation over one of the event's hold caps (core/customers/buyer-limits.ts), naming the cap. */
export class HoldLimitError extends PopupError {
  readonly details: { limit: HoldLimitError['limit']; max: number; held: number };
  constructor(
    readonly limit: 'heldUnitsPerToken' | 'heldUnitsPerCustomer' | 'holdsPerDrop',
    max: number,
    held: number,
    message: string,
  ) {
    super(message);
    this.details = { limit, max, held };
  }
}

/** An order over a per-customer limit, naming the limit, the product and what was bought already. */
export class BuyerLimitError extends PopupError {
  readonly details: { limit: BuyerLimitError['limit']; max: number; bought: number; sku?: string };
  constructor(
    readonly limit: 'perCustomerPerProduct' | 'perCustomerPerDrop',
    max: number,
    bought: number,
    message: string,
    sku?: string,
  ) {
    super(message);
    this.details = { limit, max, bought, ...(sku !== undefined ? { sku } : {}) };
  }
}

/**
 * A refused route. `InsufficientStock` when the sources together lack units (`lines` name each short SKU with
 * `requested` and `available`), `NoSingleLocation` when the units exist but no one place holds the whole
 * order. Each line says where the units are (`byLocation`).
 */
export class RouteRefused extends PopupError {
  constructor(
    readonly reason: 'short' | 'split',
    readonly lines: ShortLine[],
  ) {
    super(routeRefusal(reason, lines));
    this.name = reason === 'short' ? 'InsufficientStock' : 'NoSingleLocation';
  }
}

/** The payment is not what the order comes to at the current prices. */
export class PaymentMismatch extends PopupError {
  constructor(
    readonly total: number,
    readonly amount: number,
    readonly currency: string,
  ) {
    super(`the payment is ${amount} but the order comes to ${total} ${currency} at the current prices`);
  }
}

/** The Idempotency-Key was used before with a different request body. */
export class IdempotencyKeyReused extends PopupError {
  constructor() {
    super('this Idempotency-Key was used for a different request; use a new key for a new order');
  }
}
