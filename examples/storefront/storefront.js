// A drop page for a Popup POS online drop: a countdown on the server's clock, live stock over Server-Sent
// Events, per-customer limits, a cart whose sold-out lines leave by themselves, a reservation (an instant stock
// lock with an expiry), an order placed with an Idempotency-Key (retry-safe), shipping or pick-up from the
// event's own locations, and a tracking link. No dependencies, no build step. See README.md.
// ESLint: a plain browser script, outside the TypeScript projects; these are the browser globals it uses.
/* global document, location, navigator, history, sessionStorage, localStorage, crypto, btoa, fetch, EventSource, URLSearchParams, Option, setTimeout, setInterval, clearInterval */

import { formatCountdown, phaseAt, serverNow, speakCountdown, syncServerClock } from './drop-clock.js';
import { friendlyRefusal } from './refusals.js';
import { STATUS_TEXT } from './order-status.js';
import { startQa } from './qa.js';

// ---- configuration: URL parameters over the JSON block in index.html ----------------------------------

const defaults = JSON.parse(document.getElementById('storefront-config')?.textContent || '{}');
const params = new URLSearchParams(location.search);
const config = {
  server: (params.get('server') || defaults.server || location.origin).replace(/\/$/, ''),
  event: params.get('event') || defaults.event || '',
  token: params.get('token') || defaults.token || '',
};
const api = `${config.server}/api/events/${encodeURIComponent(config.event)}`;

const PATHS = { pickup: ['placed', 'allocated', 'picked', 'ready', 'collected'], ship: ['placed', 'allocated', 'picked', 'shipped', 'delivered'] };
const FINAL = ['collected', 'delivered'];

// ---- state ------------------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
/** Stock items by "brandId/sku", as the stream last sent them. */
const stock = new Map();
/** Units in the cart by "brandId/sku". */
const cart = new Map();
let currency = 'EUR';
/** The drop's window `{ startsAt, endsAt }` and per-customer limits, from the stock snapshot. */
let drop = null;
let limits = { perCustomerPerProduct: null, perCustomerPerDrop: null };
let phase = 'live';
let reservation = null;
let pickupPoints = [];
/** The shopper's position, when they chose to share it: routing picks the nearest place holding the order. */
let position = null;
/** The waiting room, when the organiser turned it on: this browser's ticket and key (queue headers). */
let queue = null;
/** The live Q&A (qa.js), once started. */
let qa = null;
const keyOf = (i) => `${i.brandId}/${i.sku}`;
const money = (minor) => new Intl.NumberFormat(navigator.language, { style: 'currency', currency }).format(minor / 100);
const timeOf = (ms) => new Intl.DateTimeFormat(navigator.language, { weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
const labelOf = (item) => `${item.name}${item.variant ? ` — ${item.variant}` : ''}`;
const nameOf = (brandId, sku) => {
  const item = brandId ? stock.get(`${brandId}/${sku}`) : [...stock.values()].find((i) => i.sku === sku);
  return item ? labelOf(item) : sku;
};

// ---- HTTP -------------------------------------------------------------------------------------------------

/** Calls the storefront API; resolves to { status, body, headers }. Network failures reject. */
async function call(method, path, body, headers = {}, init = {}) {
  const res = await fetch(`${api}${path}`, {
    ...init,
    method,
    headers: {
      authorization: `Bearer ${config.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
      // The waiting room's proof of this browser's turn: the signed ticket and the key it is bound to.
      ...(queue ? { 'queue-ticket': queue.ticket, 'queue-key': queue.key } : {}),
      ...headers,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

function say(text) {
  $('message').textContent = text;
}

/** Tells the shopper why the server said no, in words about their cart; sold-out lines leave the cart. */
function refused(res) {
  const r = friendlyRefusal(res, nameOf, drop ? timeOf(drop.startsAt) : undefined);
  for (const l of r.soldOut ?? []) {
    const k = keyOf(l);
    if (l.available <= 0) cart.delete(k);
    else if ((cart.get(k) ?? 0) > l.available) cart.set(k, l.available);
  }
  if (r.limit?.sku) {
    for (const k of [...cart.keys()]) {
      if (k.split('/')[1] !== r.limit.sku) continue;
      if (r.limit.left > 0) cart.set(k, Math.min(cart.get(k), r.limit.left));
      else cart.delete(k);
    }
  }
  say(r.text);
  render();
  // On a phone the message may be below the fold: bring it into view (role=alert also announces it).
  $('message').scrollIntoView({ block: 'nearest' });
}

// ---- live stock and the drop's clock ------------------------------------------------------------------------

function applySnapshot(snap, serverTime) {
  currency = snap.currency;
  drop = snap.drop ?? null;
  limits = snap.buyerLimits ?? limits;
  if (serverTime !== undefined) syncServerClock(serverTime);
  stock.clear();
  for (const item of snap.items) stock.set(keyOf(item), item);
  $('drop-tier').textContent = snap.phase === 'live' && snap.tier ? snap.tier.label : '';
  qa?.productsChanged();
  tickClock();
  render();
}

function connectStock() {
  // EventSource cannot send headers: the token goes in the query. It reconnects by itself (the server sends
  // `retry: 3000`), and every reconnection starts with a fresh snapshot, carrying the server's clock.
  const source = new EventSource(`${api}/stock/stream?token=${encodeURIComponent(config.token)}`);
  source.addEventListener('snapshot', (e) => {
    const snap = JSON.parse(e.data);
    applySnapshot(snap, snap.serverTime);
    live(true);
  });
  source.addEventListener('stock', (e) => {
    for (const item of JSON.parse(e.data).items) stock.set(keyOf(item), item);
    render();
  });
  source.onerror = () => live(false);
}

/** At the start (or a tier boundary) prices change: read the snapshot again, revalidating any cached copy. */
async function refreshStock() {
  const res = await call('GET', '/stock', undefined, {}, { cache: 'no-cache' }).catch(() => undefined);
  if (res?.status === 200) applySnapshot(res.body, Number(res.headers.get('server-time')) + 1000 * Number(res.headers.get('age') ?? 0));
}

function live(on) {
  $('live').textContent = on ? 'Live stock' : 'Reconnecting…';
  $('live').classList.toggle('off', !on);
}

let lastSpoken = '';
/** Runs every second: the countdown, and the page unlocking at the start and locking at the end. */
function tickClock() {
  if (!drop) return;
  const now = serverNow();
  const next = phaseAt(drop, now);
  const box = $('countdown');
  box.hidden = false;
  box.dataset.phase = next;
  if (next === 'before') {
    $('countdown-label').textContent = 'The drop starts in';
    $('countdown-time').textContent = formatCountdown(drop.startsAt - now);
    $('countdown-note').textContent = `Buying opens ${timeOf(drop.startsAt)}. Add to your cart now; Reserve unlocks at the start.`;
  } else if (next === 'live' && soldOut()) {
    // Everything is sold or held: say so at the top, not only on each card.
    box.dataset.phase = 'sold-out';
    $('countdown-label').textContent = 'Sold out';
    $('countdown-time').textContent = '';
    $('countdown-note').textContent = 'Every piece of this drop has gone. Thank you for coming! Items held in carts that are not bought come back here.';
  } else if (next === 'live') {
    $('countdown-label').textContent = 'The drop ends in';
    $('countdown-time').textContent = formatCountdown(drop.endsAt - now);
    $('countdown-note').textContent = `Open until ${timeOf(drop.endsAt)}.`;
  } else {
    $('countdown-label').textContent = 'The drop has ended';
    $('countdown-time').textContent = '';
    $('countdown-note').textContent = 'Thank you for coming. Orders already placed are being prepared.';
  }
  // Screen readers hear the phase changes and a reminder each minute, not sixty updates a minute.
  const spoken = next === 'live' && soldOut() ? 'The drop is sold out.' : next === 'before' ? `The drop starts in ${speakCountdown(drop.startsAt - now)}.` : next === 'live' ? 'The drop is open: you can buy now.' : 'The drop has ended.';
  if (spoken !== lastSpoken) $('phase-announce').textContent = lastSpoken = spoken;
  tickQueue(now);
  if (next !== phase) {
    const opened = phase === 'before' && next === 'live';
    phase = next;
    render();
    if (opened) void refreshStock();
  }
}

// ---- the waiting room ----------------------------------------------------------------------------------

/**
 * This browser's random key, made once and kept (localStorage): the waiting room binds its ticket to it, and
 * the Q&A shows the shopper under a pseudonym made from it.
 */
function browserKey() {
  const slot = `popup-drop-key-${config.event}`;
  let key = localStorage.getItem(slot);
  if (!key) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    localStorage.setItem(slot, key);
  }
  return key;
}

/**
 * Joins the room when the organiser turned it on. The browser key is made once and kept (localStorage): a
 * reload keeps the place, and the ticket is worth nothing in another browser.
 */
async function joinQueue() {
  const state = await call('GET', '/queue').catch(() => undefined);
  if (state?.status !== 200 || !state.body.enabled) return;
  // A sold-out drop takes no one more in: the shopper learns it now instead of waiting for nothing.
  if (state.body.soldOut) return queueSoldOut();
  const key = browserKey();
  const res = await call('POST', '/queue/tickets', { browserKey: key }).catch(() => ({ status: 0 }));
  if (res.body?.type === 'QueueSoldOut') return queueSoldOut();
  if (res.status !== 201 && res.status !== 200) return refused(res);
  syncServerClock(res.body.serverTime);
  queue = { key, ticket: res.body.ticket, place: res.body.place, admitAt: res.body.admitAt, rate: res.body.admitPerSecond, admitted: false };
  $('queue').hidden = false;
  tickQueue(serverNow());
  render();
}

function queueSoldOut() {
  $('queue').hidden = false;
  $('queue').dataset.state = 'sold-out';
  $('queue-place').textContent = 'Sold out: the waiting room is closed.';
  $('queue-wait').textContent = 'Every piece of this drop has gone. Thank you for coming!';
}

/** Nothing of the drop is left to sell (every unit sold or held in a cart). */
function soldOut() {
  return stock.size > 0 && [...stock.values()].every((i) => i.available <= 0);
}

let lastQueueSpoken = '';
function tickQueue(now) {
  if (!queue) return;
  const wait = queue.admitAt - now;
  if (wait <= 0) {
    $('queue-place').textContent = 'It is your turn: you can buy now.';
    $('queue-wait').textContent = '';
    if (!queue.admitted) {
      queue.admitted = true;
      render();
    }
  } else {
    // The place ahead is what is left of the line before this ticket, on the server's clock.
    const ahead = Math.max(0, Math.ceil((wait / 1000) * queue.rate));
    $('queue-place').textContent = `You are in the waiting room: number ${queue.place}, ${ahead} ahead of you.`;
    $('queue-wait').textContent = wait < 60_000 ? `About ${Math.ceil(wait / 1000)} s to go.` : `About ${Math.ceil(wait / 60_000)} min to go.`;
  }
  const spoken = wait <= 0 ? 'It is your turn.' : `Number ${queue.place} in the waiting room.`;
  if (spoken !== lastQueueSpoken) $('phase-announce').textContent = lastQueueSpoken = spoken;
}

// ---- rendering --------------------------------------------------------------------------------------------

/** Buying is open for this shopper: the drop is live and, with a waiting room, their turn has come. */
function canBuy() {
  return phase === 'live' && (!queue || serverNow() >= queue.admitAt);
}

/** The most of one item this cart may hold: stock one place can send, and the per-customer limit. */
function maxInCart(item) {
  return Math.min(item.available, item.maxPerOrder, item.perCustomerLimit ?? Infinity);
}

function cartUnits() {
  return [...cart.values()].reduce((a, n) => a + n, 0);
}

function render() {
  pruneCart();
  const list = $('products');
  const dropFull = limits.perCustomerPerDrop !== null && cartUnits() >= limits.perCustomerPerDrop;
  list.replaceChildren(
    ...[...stock.values()].map((item) => {
      const li = document.createElement('li');
      li.className = 'product';
      const inCart = cart.get(keyOf(item)) ?? 0;
      const label = labelOf(item);
      li.innerHTML = `<h3></h3><p class="price"></p><p class="left"></p><p class="limit"></p><button type="button"></button>`;
      li.querySelector('h3').textContent = label;
      li.querySelector('.price').innerHTML = item.price < item.listPrice ? `<s>${money(item.listPrice)}</s> <strong>${money(item.price)}</strong>` : `<strong>${money(item.price)}</strong>`;
      li.querySelector('.left').textContent = item.available > 0 ? `${item.available} left` : 'Sold out';
      if (item.available <= 0) li.classList.add('sold-out');
      li.querySelector('.limit').textContent = item.perCustomerLimit ? `Limit ${item.perCustomerLimit} per customer` : '';
      if (item.hero) li.classList.add('hero');
      const add = li.querySelector('button');
      add.textContent = item.available > 0 ? 'Add' : 'Sold out';
      add.setAttribute('aria-label', `Add ${label}`);
      // One order goes to one place: no more than the best single location holds, nor the customer's limit.
      add.disabled = phase === 'ended' || reservation !== null || dropFull || inCart >= maxInCart(item);
      add.onclick = () => {
        cart.set(keyOf(item), inCart + 1);
        say('');
        render();
      };
      return li;
    }),
  );
  renderCart();
}

let removedNote = '';
/**
 * Lines the stream shows sold out leave the cart (fewer left: the quantity drops), and the shopper is told.
 * A held cart is left alone: its units are set aside for it and no longer counted in `available`.
 */
function pruneCart() {
  if (reservation) return;
  const gone = [];
  for (const [k, qty] of cart) {
    const item = stock.get(k);
    if (!item) continue;
    const max = maxInCart(item);
    if (max <= 0) {
      cart.delete(k);
      gone.push(`${labelOf(item)} sold out and left your cart.`);
    } else if (qty > max) {
      cart.set(k, max);
      gone.push(`Only ${max} of ${labelOf(item)} can be yours now: your cart was updated.`);
    }
  }
  if (gone.length) {
    removedNote = gone.join(' ');
    $('cart-note').textContent = removedNote;
  }
}

function lines() {
  return [...cart].map(([k, qty]) => {
    const [brandId, sku] = k.split('/');
    return { brandId, sku, qty };
  });
}

function total() {
  return lines().reduce((a, l) => a + (stock.get(keyOf(l))?.price ?? 0) * l.qty, 0);
}

function renderCart() {
  $('cart').replaceChildren(
    ...lines().map((l) => {
      const item = stock.get(keyOf(l));
      const li = document.createElement('li');
      li.textContent = `${l.qty} × ${item ? labelOf(item) : l.sku}`;
      if (!reservation) {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = 'Remove';
        remove.setAttribute('aria-label', `Remove ${li.textContent}`);
        remove.onclick = () => {
          cart.delete(keyOf(l));
          render();
          $('cart-title').focus();
        };
        li.append(' ', remove);
      }
      return li;
    }),
  );
  $('cart-total').textContent = cart.size ? `Total ${money(total())}` : 'Your cart is empty.';
  // On a phone the cart is below the products: a bar at the bottom takes the shopper there.
  $('cart-jump').hidden = cart.size === 0 || reservation !== null;
  $('cart-jump').textContent = `Cart: ${cartUnits()} item${cartUnits() === 1 ? '' : 's'} · ${money(total())} — check out`;
  $('cart-limits').textContent = limits.perCustomerPerDrop ? `Up to ${limits.perCustomerPerDrop} items per customer in this drop.` : '';
  if (!removedNote) $('cart-note').textContent = '';
  removedNote = '';
  $('reserve').disabled = reservation === null && (cart.size === 0 || !canBuy());
  $('reserve').textContent = reservation ? 'Release' : 'Reserve';
  $('reserve-hint').textContent = reservation ? '' : phase === 'before' ? 'Reserve unlocks when the drop starts.' : phase === 'ended' ? 'The drop has ended.' : canBuy() ? '' : 'Reserve unlocks when it is your turn.';
  $('place').disabled = reservation === null || !canBuy();
  for (const el of $('delivery').querySelectorAll('input, select, button')) el.disabled = reservation !== null;
}

// ---- delivery: the event's own places -------------------------------------------------------------------

function fulfilment() {
  if (document.querySelector('input[name=delivery]:checked')?.value === 'pickup') return { type: 'pickup', locationId: $('pickup').value };
  // Without the shopper's position the order goes to whichever place holds it; with it, the nearest.
  return position ? { type: 'ship', destination: position } : { type: 'ship' };
}

/** Great-circle distance in km, for listing pick-up points nearest first once the shopper shares a position. */
function km(a, b) {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(h));
}

function renderPlaces() {
  const withKm = pickupPoints.map((p) => ({ ...p, km: position && p.lat !== undefined ? km(position, p) : null }));
  if (position) withKm.sort((a, b) => (a.km ?? Infinity) - (b.km ?? Infinity));
  const chosen = $('pickup').value;
  $('pickup').replaceChildren(...withKm.map((p) => new Option(`${p.name}${p.address ? ` — ${p.address}` : ''}${p.km !== null ? ` (${p.km.toFixed(1)} km)` : ''}`, p.id)));
  if (chosen) $('pickup').value = chosen;
  const hasPoints = pickupPoints.length > 0;
  $('pickup-choice').hidden = !hasPoints;
  $('pickup-field').hidden = !hasPoints;
  const from = pickupPoints.map((p) => p.name);
  $('ship-from').textContent = from.length ? `Sent from the nearest of: ${from.join(', ')}.` : '';
}

async function loadPickupPoints() {
  const res = await call('GET', '/pickup-points').catch(() => undefined);
  pickupPoints = res?.status === 200 ? res.body.pickupPoints : [];
  renderPlaces();
}

function locate() {
  if (!navigator.geolocation) return ($('position').textContent = 'This browser cannot share a position.');
  $('position').textContent = 'Finding you…';
  navigator.geolocation.getCurrentPosition(
    (p) => {
      // Rounded to about 1 km: routing needs no more, and the order does not keep it.
      position = { lat: Math.round(p.coords.latitude * 100) / 100, lon: Math.round(p.coords.longitude * 100) / 100 };
      $('position').textContent = 'Using your position: nearest places first.';
      renderPlaces();
    },
    () => ($('position').textContent = 'Position not shared: we send from wherever holds your items.'),
    { maximumAge: 600_000, timeout: 10_000 },
  );
}

// ---- reserve, then order ----------------------------------------------------------------------------------

let heldTimer;
function dropHold(note) {
  clearInterval(heldTimer);
  reservation = null;
  $('held').textContent = note;
  render();
}

async function reserveOrRelease() {
  say('');
  if (reservation) {
    await call('DELETE', `/reservations/${reservation.id}`).catch(() => undefined);
    dropHold('');
    return;
  }
  // The reservation is pinned near the chosen destination, where the order will most likely be routed.
  const res = await call('POST', '/reservations', { lines: lines(), ttlSeconds: 600, fulfilment: fulfilment() }).catch(() => ({ status: 0 }));
  if (res.status !== 201) return refused(res);
  reservation = res.body;
  const tick = () => {
    // On the server's clock: the hold ends when the server says, whatever this computer's time.
    const left = Math.max(0, Math.round((reservation.expiresAt - serverNow()) / 1000));
    $('held').textContent = `Held for you for ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    if (left === 0) dropHold('Your hold expired and the items went back on sale. Reserve again to continue.');
  };
  tick();
  heldTimer = setInterval(tick, 1000);
  render();
  $('email').focus();
}

const PENDING = 'popup-storefront-pending-order';

/**
 * Places the order. The Idempotency-Key is made once per order attempt and kept (with the exact body) in
 * sessionStorage until an answer arrives: a network failure, a timeout or a reload sends the SAME key and
 * body again, and the server answers with the first outcome instead of selling twice.
 */
async function placeOrder() {
  say('');
  const email = $('email');
  if (!email.checkValidity()) {
    say('Enter your e-mail address: we send your receipt and tracking link there.');
    return email.focus();
  }
  const body = {
    reservationId: reservation.id,
    lines: lines(),
    payment: { method: 'card', amount: total(), reference: `demo-${crypto.randomUUID()}` },
    // The e-mail counts the per-customer limits (the server keeps only a hash, and only while limits apply).
    customer: { email: email.value.trim(), consent: false },
    fulfilment: fulfilment(),
    source: params.get('source') || undefined,
  };
  const pending = { key: crypto.randomUUID(), body };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  await send(pending);
}

async function send(pending) {
  $('place').disabled = true;
  for (let attempt = 0; attempt < 5; attempt++) {
    let res;
    try {
      res = await call('POST', '/orders', pending.body, { 'idempotency-key': pending.key });
    } catch {
      say('Connection lost; retrying with the same order key…');
      await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
      continue;
    }
    if (res.status >= 500) {
      await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
      continue;
    }
    sessionStorage.removeItem(PENDING);
    if (res.status === 201) return showOrder(res.body);
    // A refusal (prices moved to the next tier, stock gone) is final for this key: the customer decides again.
    $('place').disabled = false;
    // The cart must change before it can be ordered: its hold goes, so the shopper can edit it and the
    // units go back on sale for everyone else.
    if (['InsufficientStock', 'NoSingleLocation', 'BuyerLimitError'].includes(res.body?.type)) {
      if (reservation) void call('DELETE', `/reservations/${reservation.id}`).catch(() => undefined);
      dropHold('');
    }
    return refused(res);
  }
  $('place').disabled = false;
  say('The store did not answer. Your order key is kept: pressing "Place order" again is safe.');
}

// ---- order status -----------------------------------------------------------------------------------------

/** After the order: its tracking link (the shopper's to keep) and its status as the hub moves it on. */
async function showOrder(placed) {
  clearInterval(heldTimer);
  reservation = null;
  cart.clear();
  const orderId = placed.orderId;
  history.replaceState(null, '', `?${new URLSearchParams({ ...Object.fromEntries(params), order: orderId })}`);
  $('shop').hidden = true;
  $('order').hidden = false;
  if (placed.tracking) {
    // The shopper's own link: no token in it, nothing to log in with; it follows the order to collection.
    const url = `${config.server}${placed.tracking.path}`;
    $('order-track').hidden = false;
    $('order-track-link').href = url;
    $('order-track-link').textContent = 'Track your order';
  }
  $('order-title').focus();
  const names = new Map(pickupPoints.map((p) => [p.id, p.name]));
  const poll = async () => {
    const res = await call('GET', `/orders/${encodeURIComponent(orderId)}`).catch(() => undefined);
    if (!res || res.status !== 200) return;
    const o = res.body;
    $('order-number').textContent = `Order ${o.receiptNumber} · ${money(o.total)}`;
    // The online allocation is not a place a shopper knows: it is "our warehouse".
    const where = (o.routedTo && names.get(o.routedTo)) || 'our warehouse';
    const kmAway = o.distanceKm === null ? '' : ` (${o.distanceKm.toFixed(1)} km away)`;
    const collect = o.fulfilment?.type === 'pickup' ? o.fulfilment.locationId : undefined;
    $('order-routed').textContent =
      collect === undefined ? `Sent from ${where}${kmAway}.` : collect === o.routedTo ? `Prepared at ${where}, where you collect it.` : `Prepared at ${where}${kmAway}, to collect at ${names.get(collect) ?? collect}.`;
    const path = PATHS[o.fulfilment?.type ?? 'ship'];
    $('order-steps').replaceChildren(
      ...path.map((s) => {
        const li = document.createElement('li');
        li.textContent = STATUS_TEXT[s];
        if (path.indexOf(s) <= path.indexOf(o.status)) li.className = 'done';
        if (s === o.status) li.setAttribute('aria-current', 'step');
        return li;
      }),
    );
    $('order-status').textContent = `Status: ${o.status} — ${STATUS_TEXT[o.status]}`;
    $('order-status').dataset.status = o.status;
    if (FINAL.includes(o.status)) clearInterval(timer);
  };
  const timer = setInterval(poll, 2000);
  await poll();
}

// ---- start ------------------------------------------------------------------------------------------------

function start() {
  if (!config.event || !config.token) {
    const form = $('setup');
    form.hidden = false;
    form.server.value = params.get('server') || defaults.server || location.origin;
    form.event.value = config.event;
    form.onsubmit = (e) => {
      e.preventDefault();
      const next = new URLSearchParams({ server: form.server.value, event: form.event.value, token: form.token.value });
      location.search = next.toString();
    };
    $('live').textContent = 'Not connected';
    $('qa-jump').hidden = true;
    return;
  }
  $('shop').hidden = false;
  $('reserve').onclick = () => void reserveOrRelease();
  $('place').onclick = () => void placeOrder();
  $('locate').onclick = locate;
  $('again').onclick = () => {
    const p = new URLSearchParams(location.search);
    p.delete('order');
    location.search = p.toString();
  };
  setInterval(tickClock, 1000);
  qa = startQa({ api, token: config.token, browserKey, products: () => [...stock.values()].map((i) => ({ sku: i.sku, label: labelOf(i) })), refusal: (res) => friendlyRefusal(res, nameOf).text });
  connectStock();
  void joinQueue();
  void loadPickupPoints().then(() => {
    // A reload during checkout: finish the pending order with its key, or show the order placed.
    const pending = sessionStorage.getItem(PENDING);
    if (pending) void send(JSON.parse(pending));
    else if (params.get('order')) void showOrder({ orderId: params.get('order') });
  });
}

start();
