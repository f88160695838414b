import { emptyCart } from '../../../core/selling/cart.ts';
import { toTagged } from '../../../core/base/errors.ts';
import { productLabel } from '../../../core/catalog/catalog.ts';
import { keepCarts, useParked, type ParkedSale } from './kept-carts.ts';
import { priceCart } from './pricing-view.ts';
import { newSale, usePos } from './pos-store.ts';

/**
 * Parking and resuming sales (#16): "Park sale" moves the cart in progress to the parked sales, "Parked sales"
 * lists them to resume or discard. Resuming while another cart is in progress parks that one (a swap), so
 * no cart is ever dropped by a tap. A cart with part of its payment taken is not parked: the money already
 * taken belongs to it, and a parked cart keeps no payments.
 */
function say(kind: 'error' | 'info', text: string): void {
  usePos.setState({ message: { kind, text } });
}

function newParkedId(): string {
  // crypto.randomUUID needs a secure context; a till on a plain-http LAN address has only getRandomValues.
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `p_${Date.now().toString(36)}_${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function partlyPaid(): boolean {
  return (usePos.getState().payment?.taken.length ?? 0) > 0;
}

/** What a parked sale is, in words the cashier recognises it by. */
export function describeParked(p: ParkedSale): string {
  const store = usePos.getState().store;
  const first = p.cart.lines[0];
  const product = first && store?.product(first.brandId, first.sku);
  const name = product ? productLabel(product) : (first?.sku ?? 'nothing');
  const units = p.cart.lines.reduce((a, l) => a + l.qty, 0);
  return units > 1 ? `${name} and ${units - 1} more` : name;
}

/** The parked sale's total at today's prices (what resuming it would show), or undefined if it cannot be priced. */
export function parkedTotal(p: ParkedSale): number | undefined {
  const { store, now } = usePos.getState();
  const config = store?.config();
  if (!store || !config) return undefined;
  try {
    return priceCart(p.cart, config, (b, s) => store.product(b, s), now).total;
  } catch {
    return undefined;
  }
}

export async function parkSale(): Promise<void> {
  const { store, cart, override, cashier } = usePos.getState();
  if (!store || cart.lines.length === 0) return;
  if (partlyPaid()) return say('error', 'Part of this sale is paid: take the rest before parking it');
  const sale: ParkedSale = { id: newParkedId(), parkedAt: Date.now(), cashierId: cashier?.id ?? 'till', cart, ...(override ? { override } : {}) };
  try {
    await keepCarts(store.db, { cart: emptyCart(), override: undefined }, [...useParked.getState().parked, sale]);
    usePos.setState({ cart: emptyCart(), override: undefined, payment: undefined, shortOf: undefined, serialFor: undefined, priceFor: undefined });
    say('info', `Sale parked: ${describeParked(sale)}. Resume it from Parked sales.`);
  } catch (err) {
    say('error', toTagged(err).message);
  }
}

export async function resumeParked(id: string): Promise<void> {
  const { store, cart, override, cashier } = usePos.getState();
  const target = useParked.getState().parked.find((p) => p.id === id);
  if (!store || !target) return;
  if (partlyPaid()) return say('error', 'Part of this sale is paid: take the rest before resuming another');
  const rest = useParked.getState().parked.filter((p) => p.id !== id);
  // The cart on screen is parked in its place, not dropped.
  const swapped: ParkedSale | undefined = cart.lines.length > 0 ? { id: newParkedId(), parkedAt: Date.now(), cashierId: cashier?.id ?? 'till', cart, ...(override ? { override } : {}) } : undefined;
  try {
    await keepCarts(store.db, { cart: target.cart, override: target.override }, swapped ? [...rest, swapped] : rest);
    if (usePos.getState().completed) newSale();
    usePos.setState({ cart: target.cart, override: target.override, payment: undefined, refunding: false, auditing: false, shortOf: undefined, serialFor: undefined, priceFor: undefined });
    useParked.setState({ showing: false });
    say('info', swapped ? `Resumed ${describeParked(target)}; the cart you had is parked.` : `Resumed ${describeParked(target)}.`);
  } catch (err) {
    say('error', toTagged(err).message);
  }
}

/** Discards a parked sale: its units go back to the till, and it is in the audit log like a cleared cart. */
export async function discardParked(id: string): Promise<void> {
  const { store, cart, override, cashier } = usePos.getState();
  const target = useParked.getState().parked.find((p) => p.id === id);
  if (!store || !target) return;
  try {
    await keepCarts(store.db, { cart, override }, useParked.getState().parked.filter((p) => p.id !== id));
    await store.recordVoid({
      cashierId: cashier?.id ?? 'till',
      wallTime: Date.now(),
      reason: 'cart cleared',
      lines: target.cart.lines.map((l) => {
        const product = store.product(l.brandId, l.sku);
        return { sku: l.sku, name: product ? productLabel(product) : l.sku, qty: l.qty };
      }),
      total: parkedTotal(target) ?? 0,
    });
    say('info', `Parked sale discarded: ${describeParked(target)}.`);
  } catch (err) {
    say('error', toTagged(err).message);
  }
}

export function showParked(showing: boolean): void {
  useParked.setState({ showing });
}
