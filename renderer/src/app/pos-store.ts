import { create } from 'zustand';
import { addToCart, emptyCart, inCart, setManualPrice, setQty, type Cart } from '../../../core/selling/cart.ts';
import { heldInParked, keepCurrentCart, openKeptCarts } from './kept-carts.ts';
import { BelowMarginFloorError, unitPrice } from '../../../core/selling/pricing.ts';
import { webCryptoPinHasher, webCryptoSha256 } from '../../../core/base/platform.ts';
import { PinGate, type StaffMember } from '../../../core/event/staff.ts';
import { productLabel, type Product } from '../../../core/catalog/catalog.ts';
import type { EventConfig } from '../../../core/event/event.ts';
import { toTagged, ValidationError } from '../../../core/base/errors.ts';
import { changeDue, type Payment, type PaymentMethod, type Sale } from '../../../core/selling/sale.ts';
import { remaining, takePayment } from '../../../core/selling/tender.ts';
import { storedCustomer } from '../../../core/customers/customer.ts';
import { formatMoney } from '../../../core/base/money.ts';
import { parseReceiptNumber } from '../../../core/base/ids.ts';
import { LocalStore, type LocalStoreOptions } from '../store/local-store.ts';
import { setUpStandAloneDemo } from '../store/stand-alone.ts';
import { pairWithServer } from '../sync/pairing.ts';
import { TillSync, type SyncStatus } from '../sync/till-sync.ts';
import { priceCart, type PricedCart, type PricedLine } from './pricing-view.ts';
import type { VoidRecord } from '../../../core/reports/audit.ts';
import { startMail, stopMail } from './mail-store.ts';

/**
 * The till's UI state (zustand). The LocalStore holds the data; this holds what is on screen: the cart,
 * the payment being taken, the last completed sale, messages. Every action reports failure as a message
 * the cashier can read; none is swallowed.
 */
export type Phase = 'loading' | 'setup' | 'sell' | 'error';

export interface PaymentDraft {
  method: PaymentMethod;
  /** Cash handed over (empty: the exact amount). */
  tendered: string;
  /** Card approval code or voucher number. */
  reference: string;
  /** Split payment: what this payment pays (empty: all that is left). */
  amount: string;
  split: boolean;
  /** Payments already taken for this cart. */
  taken: Payment[];
  email: string;
  phone: string;
  consent: boolean;
  /** Creator code the customer came with. */
  source: string;
}

export interface Completed {
  receiptNumber: string;
  total: number;
  change: number;
  sales: Sale[];
}

export interface PosState {
  phase: Phase;
  /** The stand-alone demo's event and stock are being written: the set-up screen shows its progress. */
  settingUp: boolean;
  store: LocalStore | undefined;
  /** Bumped whenever the store's data changes, so views re-read it. */
  version: number;
  cart: Cart;
  query: string;
  message: { kind: 'error' | 'info'; text: string } | undefined;
  payment: PaymentDraft | undefined;
  completed: Completed | undefined;
  recent: Sale[];
  /** A serial-tracked product waiting for its unit's serial number. */
  serialFor: { brandId: string; sku: string; label: string } | undefined;
  outbox: number;
  persisted: boolean;
  sync: SyncStatus | undefined;
  /** The side panel shows a return instead of the cart. */
  refunding: boolean;
  /** The cart line whose price a manager is changing. */
  priceFor: number | undefined;
  /** The side panel shows the audit log. */
  auditing: boolean;
  /** A receipt number scanned to start the return with. */
  refundReceipt: string | undefined;
  /** Who is signed in (PIN); undefined while the sign-in screen shows. */
  cashier: StaffMember | undefined;
  /** A manager allowed this cart to sell beyond the till's stock rights. */
  override: { managerId: string; reason: string } | undefined;
  /** The last add that failed for lack of rights, so a manager can allow it. */
  shortOf: { brandId: string; sku: string } | undefined;
  now: number;
  /** The discount form open in the cart: a line's index or the whole sale (app/discount-actions.ts). */
  discountFor: number | 'cart' | undefined;
  /** A creator's code typed or scanned into the cart's code field: the sale's source. */
  codeSource: string | undefined;
}

export const usePos = create<PosState>(() => ({
  discountFor: undefined,
  codeSource: undefined,
  phase: 'loading',
  settingUp: false,
  store: undefined,
  version: 0,
  cart: emptyCart(),
  query: '',
  message: undefined,
  payment: undefined,
  completed: undefined,
  recent: [],
  serialFor: undefined,
  outbox: 0,
  persisted: false,
  sync: undefined,
  refunding: false,
  refundReceipt: undefined,
  auditing: false,
  priceFor: undefined,
  cashier: undefined,
  override: undefined,
  shortOf: undefined,
  now: Date.now(),
}));

const set = usePos.setState;
const get = usePos.getState;

function fail(err: unknown): void {
  set({ message: { kind: 'error', text: toTagged(err).message } });
}

let stopping: (() => void) | undefined;

/**
 * Opens the till's database and shows set-up or the sell screen. `opts` default to the browser's IndexedDB
 * and a database named "popup-pos"; component tests pass fake-indexeddb. `deviceId`: the desktop app's
 * stable device id (platform/desktop.ts), when there is one.
 */
export async function startPos(opts: Partial<LocalStoreOptions> = {}, deviceId?: () => Promise<string | undefined>): Promise<void> {
  try {
    const platformId = await deviceId?.();
    const store = await LocalStore.open({ dbName: 'popup-pos', ...opts, ...(platformId ? { deviceId: platformId } : {}) });
    // Stock the organiser takes back to the reserve leaves what the cart and the parked sales hold.
    store.heldInCarts = (brandId, sku) => inCart(get().cart, brandId, sku) + heldInParked(brandId, sku);
    const persisted = await LocalStore.requestPersistence().catch(() => false);
    // One PIN gate per opened till: its count of wrong PINs and its lock belong to this till.
    pins = new PinGate(webCryptoPinHasher, () => Date.now());
    const unsubscribe = store.onChange(() => void refresh());
    const sessionId = await store.session();
    const cashier = store.staff().find((m) => m.id === sessionId);
    // The cart in progress survives a reload (app/kept-carts.ts); every change to it is written back.
    const kept = await openKeptCarts(store.db);
    set({ store, persisted, cashier, cart: kept.cart, override: kept.override, phase: store.profile && store.config() ? 'sell' : 'setup' });
    const unkeep = usePos.subscribe((s, prev) => {
      if (s.cart !== prev.cart || s.override !== prev.override) keepCurrentCart(store.db, s.cart, s.override).catch(fail);
    });
    startSync(store);
    await refresh();
    // E-mail receipts queue in their own database next to this one (store/mail-outbox.ts).
    await startMail({ dbName: 'popup-pos', ...opts });
    const ticking = setInterval(() => set({ now: Date.now() }), 1000);
    stopping = () => {
      clearInterval(ticking);
      unsubscribe();
      unkeep();
      sync?.stop();
      sync = undefined;
      stopMail();
      store.close();
    };
  } catch (err) {
    set({ phase: 'error', message: { kind: 'error', text: toTagged(err).message } });
  }
}

/** Stops what startPos started (the clock tick, sync) and closes the database: for tests and tear-down. */
export function stopPos(): void {
  stopping?.();
  stopping = undefined;
}

async function refresh(): Promise<void> {
  const store = get().store;
  if (!store) return;
  const [recent, outbox] = await Promise.all([store.recentSales(8), store.outbox()]);
  // A paired till's event arrives by sync: show the sell screen once its set-up is here.
  // Not while the stand-alone demo is being written: its config lands before its products and stock.
  const phase = get().phase === 'setup' && !get().settingUp && store.profile && store.config() ? 'sell' : get().phase;
  set((s) => ({ recent, outbox: outbox.length, version: s.version + 1, phase }));
}

let sync: TillSync | undefined;

/** Starts syncing a paired till (a stand-alone till has no server). */
function startSync(store: LocalStore): void {
  const p = store.profile;
  if (!p?.serverUrl || !p.token || sync) return;
  sync = new TillSync(store, { serverUrl: p.serverUrl, token: p.token, eventId: p.eventId, brandIds: p.brandIds ?? [] });
  sync.onStatus((status) => set({ sync: status }));
  sync.start();
  set({ sync: sync.current });
}

/** Pairs this till with a server using the organiser's code, then downloads the event. */
export async function pair(serverUrl: string, code: string): Promise<void> {
  const store = get().store;
  if (!store) return;
  try {
    const result = await pairWithServer(serverUrl, code, store.identity.deviceId);
    await store.setProfile(result);
    startSync(store);
    set({ message: { kind: 'info', text: 'Paired. Downloading the event…' } });
  } catch (err) {
    fail(err);
  }
}

export async function startStandAlone(): Promise<void> {
  const store = get().store;
  if (!store) return;
  if (get().settingUp) return;
  // The set-up screen stays (showing progress) until the demo's products and stock are all written: a sell
  // screen shown earlier would offer an empty or half-stocked catalog.
  set({ message: undefined, settingUp: true });
  try {
    // The demo drop started a few minutes ago, so the first discount tier is live.
    await setUpStandAloneDemo(store, Date.now() - 5 * 60_000);
    set({ phase: 'sell', settingUp: false });
  } catch (err) {
    set({ settingUp: false });
    fail(err);
  }
}

let pins = new PinGate(webCryptoPinHasher, () => Date.now());

/** Whether this till needs a PIN: an event with staff defined does. */
export function needsSignIn(): boolean {
  const { store, cashier } = get();
  return Boolean(store && !cashier && store.staff().length > 0);
}

export async function signIn(pin: string): Promise<void> {
  const store = get().store;
  if (!store) return;
  try {
    const member = await pins.signIn(store.staff(), pin);
    await store.setSession(member.id);
    set({ cashier: member, message: undefined });
  } catch (err) {
    fail(err);
  }
}

export async function signOut(): Promise<void> {
  await get().store?.setSession(undefined);
  set({ cashier: undefined, cart: emptyCart(), payment: undefined, completed: undefined, override: undefined, refunding: false, message: undefined });
}

/** A manager's PIN, checked on this till; resolves to the manager or rejects with why. */
export async function managerApproval(pin: string): Promise<StaffMember> {
  const store = get().store;
  if (!store) throw new Error('the till is not open');
  return pins.signIn(store.staff(), pin, { role: 'manager' });
}

/** Asks the reserve for more of what this till ran short of; the grant arrives through sync. */
export async function askForMore(): Promise<void> {
  const { store, shortOf } = get();
  const product = shortOf && store?.product(shortOf.brandId, shortOf.sku);
  if (!store || !shortOf || !product) return;
  const qty = Math.max(5, product.lowStockThreshold * 2);
  try {
    await store.requestRights(shortOf.brandId, shortOf.sku, qty, 'asked at the till');
    set({ shortOf: undefined, message: { kind: 'info', text: `Asked the reserve for ${qty} × ${productLabel(product)}: they show here as soon as the organiser's server grants them.` } });
  } catch (err) {
    fail(err);
  }
}

/** After a manager approved: add what was short, and let this cart go beyond rights. */
export function allowOversell(manager: StaffMember): void {
  const short = get().shortOf;
  set({ override: { managerId: manager.id, reason: `approved at the till by ${manager.name}` }, shortOf: undefined, message: undefined });
  if (short) addProduct(short.brandId, short.sku);
}

export function setQuery(query: string): void {
  set({ query });
}

export function addProduct(brandId: string, sku: string, serial?: string): void {
  const { store, cart, override } = get();
  if (!store?.holder) return;
  const product = store.product(brandId, sku);
  if (!product) return fail(new Error(`${sku} is not in the catalog`));
  // Parked sales hold their units (app/kept-carts.ts): the cart in progress may take only the rest.
  const held = heldInParked(brandId, sku);
  const available = store.rights(brandId, sku) - held;
  // Check the rights before asking for a serial: no point scanning a unit the till may not sell.
  if (!override && inCart(cart, brandId, sku) + 1 > available) {
    set({ shortOf: { brandId, sku }, serialFor: undefined });
    const parked = held > 0 ? ` (${held} held by parked sales)` : '';
    return fail(new Error(`Only ${Math.max(0, available)} × ${productLabel(product)} left on this till${parked}: ask the organiser for more, or a manager can allow selling beyond stock`));
  }
  if (product.serialTracked && !serial) {
    // Ask in the cart panel (window.prompt does not exist in Electron and blocks the scanner).
    set({ serialFor: { brandId, sku, label: productLabel(product) }, message: undefined, completed: undefined });
    return;
  }
  try {
    const next = addToCart(cart, product, 1, available, { holder: store.holder, allowBeyondRights: Boolean(override), ...(serial ? { serial } : {}) });
    set({ cart: next, message: undefined, completed: undefined, serialFor: undefined, shortOf: undefined });
  } catch (err) {
    fail(err);
  }
}

/** A scanner types a code and Enter: find the product by barcode (or exact SKU) and add it. */
export function scan(code: string): void {
  const store = get().store;
  if (!store) return;
  const trimmed = code.trim();
  const product = store.byBarcode(trimmed) ?? store.allProducts().find((p) => p.sku.toLowerCase() === trimmed.toLowerCase());
  // A receipt's barcode is its receipt number: scanning one starts a return for that sale.
  if (!product && isReceiptNumber(trimmed)) return openRefund(trimmed);
  if (!product) return fail(new Error(`Unknown code ${trimmed}: no product has this barcode`));
  addProduct(product.brandId, product.sku);
}

export function submitSerial(serial: string): void {
  const pending = get().serialFor;
  if (!pending) return;
  if (!serial.trim()) return fail(new Error(`Scan or type the serial number of the ${pending.label}`));
  addProduct(pending.brandId, pending.sku, serial.trim());
}

export function cancelSerial(): void {
  set({ serialFor: undefined });
}

export function changeQty(index: number, qty: number): void {
  const { store, cart } = get();
  const line = cart.lines[index];
  if (!store?.holder || !line) return;
  try {
    const removed = qty === 0 ? pricedCart()?.lines[index] : undefined;
    set({ cart: setQty(cart, index, qty, store.rights(line.brandId, line.sku) - heldInParked(line.brandId, line.sku), { holder: store.holder, allowBeyondRights: Boolean(get().override) }), message: undefined });
    if (removed) recordVoid('line removed', [removed]);
  } catch (err) {
    fail(err);
  }
}

export function clearCart(): void {
  const voided = pricedCart()?.lines ?? [];
  set({ cart: emptyCart(), payment: undefined, message: undefined, override: undefined, shortOf: undefined, discountFor: undefined, codeSource: undefined });
  if (voided.length) recordVoid('cart cleared', voided);
}

/** Voids go to the audit log; a failure to record one is shown, never hidden. */
function recordVoid(reason: VoidRecord['reason'], lines: PricedLine[]): void {
  const { store, cashier } = get();
  if (!store) return;
  store
    .recordVoid({
      cashierId: cashier?.id ?? 'till',
      wallTime: Date.now(),
      reason,
      lines: lines.map((l) => ({ sku: l.sku, name: l.label, qty: l.qty })),
      total: lines.reduce((a, l) => a + l.gross, 0),
    })
    .catch(fail);
}

/** Opens the price change for a cart line (a manager approves it). */
export function editLinePrice(index: number | undefined): void {
  set({ priceFor: index, message: undefined });
}

/**
 * A manager's price for a line: checked against the product's margin floor and list price at once, so the
 * cart never holds a price the sale would refuse.
 */
export function setLinePrice(index: number, price: number, manager: StaffMember): void {
  const { store, cart } = get();
  const line = cart.lines[index];
  const config = store?.config();
  const product = line && store?.product(line.brandId, line.sku);
  if (!line || !config || !product) return;
  try {
    unitPrice(product, { tier: null, taxMode: config.taxMode, rounding: config.rounding, manualPrice: price });
    set({ cart: setManualPrice(cart, index, price, manager.id), priceFor: undefined, message: undefined });
  } catch (err) {
    const money = (n: number) => formatMoney(n, config.currency, config.locale);
    if (err instanceof BelowMarginFloorError) fail(new Error(`${productLabel(product)} can't be sold below ${money(err.floor)}: that is its margin floor`));
    // core's check names the field and minor units (for developers): say it in the cashier's words.
    else if (err instanceof ValidationError && err.field === 'manualPrice') fail(new Error(`${productLabel(product)} can't be sold above its list price of ${money(listPrice(product, config))}`));
    else fail(err);
  }
}

function listPrice(product: Product, config: EventConfig): number {
  return unitPrice(product, { tier: null, taxMode: config.taxMode, rounding: config.rounding }).list;
}

export function openAudit(): void {
  set({ auditing: true, refunding: false, payment: undefined, completed: undefined, message: undefined });
}

export function closeAudit(): void {
  set({ auditing: false });
}

export function pricedCart(): PricedCart | undefined {
  const { store, cart, now } = get();
  const config = store?.config();
  if (!store || !config || cart.lines.length === 0) return undefined;
  return priceCart(cart, config, (b, s) => store.product(b, s), now, (code) => store.coupon(code));
}

export function openPayment(method: PaymentMethod = 'cash'): void {
  if (get().cart.lines.length === 0) return;
  set({ payment: { method, tendered: '', reference: '', amount: '', split: false, taken: [], email: '', phone: '', consent: false, source: '' }, message: undefined });
}

export function editPayment(patch: Partial<PaymentDraft>): void {
  const p = get().payment;
  if (p) set({ payment: { ...p, ...patch } });
}

export function cancelPayment(): void {
  set({ payment: undefined });
}

/**
 * Takes the payment on screen (core/selling/tender.ts decides what is acceptable). While something is left to pay
 * (a split payment), it is kept and the form is cleared for the next; when the total is covered the sale is
 * committed, and only once it is durable does the screen say it is complete.
 */
export async function completeSale(parse: (s: string) => number, tenderedNow?: number): Promise<void> {
  // Price and commit at one instant. The ticker's `now` may be a second old (more on a busy machine): across
  // the end of a discount tier the cart would be paid at one price and committed at another, and the store
  // would refuse the sale ("payments add up to …"). Found by the chaos suite (docs/chaos.md).
  const now = Date.now();
  set({ now });
  const { store, cart, payment, cashier, override } = get();
  const priced = pricedCart();
  const config = store?.config();
  if (!store || !payment || !priced || !config) return;
  try {
    const amount = payment.split && payment.amount.trim() ? parse(payment.amount) : undefined;
    const tendered = tenderedNow ?? (payment.method === 'cash' && payment.tendered.trim() ? parse(payment.tendered) : undefined);
    const taken = takePayment(priced.total, payment.taken, { method: payment.method, ...(amount !== undefined ? { amount } : {}), ...(tendered !== undefined ? { tendered } : {}), reference: payment.reference }, config.currency, config.locale);
    const left = remaining(priced.total, taken);
    if (left > 0) {
      set({ payment: { ...payment, taken, tendered: '', reference: '', amount: '' }, message: { kind: 'info', text: `${formatMoney(left, config.currency, config.locale)} left to pay` } });
      return;
    }
    const customer = await storedCustomer({ email: payment.email, phone: payment.phone, consent: payment.consent }, webCryptoSha256);
    // A creator's code typed in another case is still that creator: store it as the event spells it, so the
    // dashboard and the analytics match it to the link's clicks.
    const typed = payment.source.trim() || (get().codeSource ?? '');
    const source = store.creators().find((c) => c.code.toLowerCase() === typed.toLowerCase())?.code ?? typed;
    // Forget the kept cart before the sale is durable: a reload in between must never bring back a paid cart.
    await keepCurrentCart(store.db, emptyCart(), undefined);
    const sales = await store.commitSale({
      cart,
      now,
      payments: taken,
      cashierId: cashier?.id ?? 'till',
      ...(override ? { override } : {}),
      ...(customer ? { customer } : {}),
      ...(source ? { source } : {}),
    });
    set({
      cart: emptyCart(),
      payment: undefined,
      message: undefined,
      override: undefined,
      discountFor: undefined,
      codeSource: undefined,
      completed: { receiptNumber: sales[0]!.receiptNumber, total: priced.total, change: changeDue(taken), sales },
    });
  } catch (err) {
    // Not sold: the cart is still on screen, so it is kept again.
    await keepCurrentCart(store.db, cart, override).catch(() => undefined);
    fail(err);
  }
}

function isReceiptNumber(code: string): boolean {
  try {
    parseReceiptNumber(code);
    return true;
  } catch {
    return false;
  }
}

export function openRefund(receipt?: string): void {
  set({ auditing: false, refunding: true, refundReceipt: receipt, payment: undefined, completed: undefined, message: undefined });
}

export function closeRefund(): void {
  set({ refunding: false });
}

export function newSale(): void {
  set({ completed: undefined, cart: emptyCart(), payment: undefined, message: undefined, query: '', override: undefined, shortOf: undefined });
}
