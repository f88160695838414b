import { create } from 'zustand';
import { emptyCart, inCart, type Cart, type CartItem } from '../../../core/selling/cart.ts';
import type { PosDatabase } from '../store/db.ts';

/**
 * The carts a till keeps in IndexedDB (the `meta` table, so no schema change): the cart in progress, so it
 * survives a reload or a crash, and the parked sales (a customer went to fetch a card; the cashier serves the
 * next one and resumes it later). A parked cart holds its stock as the cart does: the cart in progress may
 * take only what the till holds less what its parked sales hold, so resuming one never finds its units gone.
 */
export interface CartOverride {
  managerId: string;
  reason: string;
}

export interface KeptCart {
  cart: Cart;
  override: CartOverride | undefined;
}

export interface ParkedSale {
  id: string;
  parkedAt: number;
  /** Who parked it (staff id); another cashier may resume it. */
  cashierId: string;
  cart: Cart;
  override?: CartOverride;
}

const CURRENT_KEY = 'cart';
const PARKED_KEY = 'parked';

/** The parked sales on screen; the database holds the same list. */
export const useParked = create<{ parked: ParkedSale[]; showing: boolean }>(() => ({ parked: [], showing: false }));

/** Units of a SKU the parked sales hold: the cart in progress may not take them. */
export function heldInParked(brandId: string, sku: string): number {
  return useParked.getState().parked.reduce((a, p) => a + inCart(p.cart, brandId, sku), 0);
}

/** Reads what the till kept: the cart in progress is returned, the parked sales go to `useParked`. */
export async function openKeptCarts(db: PosDatabase): Promise<KeptCart> {
  const [current, parked] = await Promise.all([db.meta.get(CURRENT_KEY), db.meta.get(PARKED_KEY)]);
  useParked.setState({ parked: Array.isArray(parked?.value) ? (parked.value as unknown[]).filter(isParkedSale) : [], showing: false });
  const kept = current?.value as Partial<KeptCart> | undefined;
  return { cart: kept && isCart(kept.cart) ? kept.cart : emptyCart(), override: kept && isOverride(kept.override) ? kept.override : undefined };
}

/** Writes the cart in progress (an empty cart deletes it). */
export async function keepCurrentCart(db: PosDatabase, cart: Cart, override: CartOverride | undefined): Promise<void> {
  if (cart.lines.length === 0) await db.meta.delete(CURRENT_KEY);
  else await db.meta.put({ key: CURRENT_KEY, value: { cart, ...(override ? { override } : {}) } });
}

/**
 * Writes the cart in progress and the parked sales in one transaction, then shows the new list: parking or
 * resuming moves a cart between the two, and a crash half-way must not leave it in both (held twice) or in
 * neither (lost).
 */
export async function keepCarts(db: PosDatabase, current: KeptCart, parked: ParkedSale[]): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    await keepCurrentCart(db, current.cart, current.override);
    await db.meta.put({ key: PARKED_KEY, value: parked });
  });
  useParked.setState({ parked });
}

// What comes back from IndexedDB was written by this code, but a till upgraded across a change of the cart's
// shape must start with an empty cart rather than crash on one it cannot read.
function isCart(v: unknown): v is Cart {
  return typeof v === 'object' && v !== null && Array.isArray((v as Cart).lines) && (v as Cart).lines.every(isLine);
}

function isLine(l: CartItem): boolean {
  return typeof l === 'object' && l !== null && typeof l.brandId === 'string' && typeof l.sku === 'string' && Number.isSafeInteger(l.qty) && l.qty > 0;
}

function isOverride(v: unknown): v is CartOverride {
  return typeof v === 'object' && v !== null && typeof (v as CartOverride).managerId === 'string' && typeof (v as CartOverride).reason === 'string';
}

function isParkedSale(v: unknown): v is ParkedSale {
  const p = v as ParkedSale;
  return typeof v === 'object' && v !== null && typeof p.id === 'string' && typeof p.parkedAt === 'number' && typeof p.cashierId === 'string' && isCart(p.cart) && (p.override === undefined || isOverride(p.override));
}
