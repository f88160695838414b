// Example storefront for a Popup POS online drop: live stock over Server-Sent Events, a cart, a reservation
// (an instant stock lock with an expiry), an order placed with an Idempotency-Key (retry-safe), shipping or
// pick-up, and the order's status as the hub advances it. No dependencies, no build step. See README.md.
// ESLint: a plain browser script, outside the TypeScript projects; these are the browser globals it uses.
/* global document, location, navigator, history, sessionStorage, crypto, fetch, EventSource, URLSearchParams, Option, setTimeout, setInterval, clearInterval */

// ---- configuration: URL parameters over the JSON block in index.html ----------------------------------

const defaults = JSON.parse(document.getElementById('storefront-config')?.textContent || '{}');
const params = new URLSearchParams(location.search);
const config = {
  server: (params.get('server') || defaults.server || location.origin).replace(/\/$/, ''),
  event: params.get('event') || defaults.event || '',
  token: params.get('token') || defaults.token || '',
};
const api = `${config.server}/api/events/${encodeURIComponent(config.event)}`;

/** A few places to ship to, so the demo shows routing to the nearest hub (a real store geocodes the address). */
const CITIES = [
  { name: 'Montreuil', lat: 48.8638, lon: 2.4485 },
  { name: 'Paris 15e', lat: 48.8421, lon: 2.292 },
  { name: 'Saint-Denis', lat: 48.9362, lon: 2.3574 },
  { name: 'Lyon', lat: 45.764, lon: 4.8357 },
];

const STATUS_TEXT = {
  placed: 'Order placed',
  allocated: 'Being prepared',
  picked: 'Packed',
  ready: 'Ready for pick-up',
  shipped: 'Shipped',
  collected: 'Collected',
  delivered: 'Delivered',
};
const PATHS = { pickup: ['placed', 'allocated', 'picked', 'ready', 'collected'], ship: ['placed', 'allocated', 'picked', 'shipped', 'delivered'] };
const FINAL = ['collected', 'delivered'];

// ---- state ------------------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
/** Stock items by "brandId/sku", as the stream last sent them. */
const stock = new Map();
/** Units in the cart by "brandId/sku". */
const cart = new Map();
let currency = 'EUR';
let reservation = null;
let pickupPoints = [];
const keyOf = (i) => `${i.brandId}/${i.sku}`;
const money = (minor) => new Intl.NumberFormat(navigator.language, { style: 'currency', currency }).format(minor / 100);

// ---- HTTP -------------------------------------------------------------------------------------------------

/** Calls the storefront API; resolves to { status, body }. Network failures reject. */
async function call(method, path, body, headers = {}) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${config.token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function say(text) {
  $('message').textContent = text;
}

// ---- live stock -------------------------------------------------------------------------------------------

function connectStock() {
  // EventSource cannot send headers: the token goes in the query. It reconnects by itself (the server sends
  // `retry: 3000`), and every reconnection starts with a fresh snapshot.
  const source = new EventSource(`${api}/stock/stream?token=${encodeURIComponent(config.token)}`);
  source.addEventListener('snapshot', (e) => {
    const snap = JSON.parse(e.data);
    currency = snap.currency;
    stock.clear();
    for (const item of snap.items) stock.set(keyOf(item), item);
    $('drop-tier').textContent = snap.phase === 'live' && snap.tier ? snap.tier.label : snap.phase === 'before' ? 'The drop has not started' : snap.phase === 'ended' ? 'The drop has ended' : '';
    live(true);
    render();
  });
  source.addEventListener('stock', (e) => {
    for (const item of JSON.parse(e.data).items) stock.set(keyOf(item), item);
    render();
  });
  source.onerror = () => live(false);
}

function live(on) {
  $('live').textContent = on ? 'Live stock' : 'Reconnecting…';
  $('live').classList.toggle('off', !on);
}

// ---- rendering --------------------------------------------------------------------------------------------

function render() {
  const list = $('products');
  list.replaceChildren(
    ...[...stock.values()].map((item) => {
      const li = document.createElement('li');
      li.className = 'product';
      const inCart = cart.get(keyOf(item)) ?? 0;
      const label = `${item.name}${item.variant ? ` — ${item.variant}` : ''}`;
      li.innerHTML = `<h3></h3><p class="price"></p><p class="left"></p><button type="button"></button>`;
      li.querySelector('h3').textContent = label;
      li.querySelector('.price').innerHTML = item.price < item.listPrice ? `<s>${money(item.listPrice)}</s> <strong>${money(item.price)}</strong>` : `<strong>${money(item.price)}</strong>`;
      li.querySelector('.left').textContent = item.available > 0 ? `${item.available} left` : 'Sold out';
      if (item.hero) li.classList.add('hero');
      const add = li.querySelector('button');
      add.textContent = 'Add';
      add.setAttribute('aria-label', `Add ${label}`);
      // One order goes to one place: no more than the best single location holds.
      add.disabled = reservation !== null || inCart >= Math.min(item.available, item.maxPerOrder);
      add.onclick = () => {
        cart.set(keyOf(item), inCart + 1);
        render();
      };
      return li;
    }),
  );
  renderCart();
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
      li.textContent = `${l.qty} × ${item ? `${item.name}${item.variant ? ` — ${item.variant}` : ''}` : l.sku}`;
      if (!reservation) {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = 'Remove';
        remove.setAttribute('aria-label', `Remove ${li.textContent}`);
        remove.onclick = () => {
          cart.delete(keyOf(l));
          render();
        };
        li.append(' ', remove);
      }
      return li;
    }),
  );
  $('cart-total').textContent = cart.size ? `Total ${money(total())}` : 'Your cart is empty.';
  $('reserve').disabled = cart.size === 0;
  $('reserve').textContent = reservation ? 'Release' : 'Reserve';
  $('place').disabled = reservation === null;
  for (const el of $('delivery').querySelectorAll('input, select')) el.disabled = reservation !== null;
}

// ---- delivery ---------------------------------------------------------------------------------------------

function fulfilment() {
  if (document.querySelector('input[name=delivery]:checked').value === 'pickup') return { type: 'pickup', locationId: $('pickup').value };
  const city = CITIES[Number($('city').value)];
  return { type: 'ship', destination: { lat: city.lat, lon: city.lon } };
}

async function loadPickupPoints() {
  $('city').replaceChildren(...CITIES.map((c, i) => new Option(c.name, String(i))));
  const res = await call('GET', '/pickup-points');
  pickupPoints = res.status === 200 ? res.body.pickupPoints : [];
  $('pickup').replaceChildren(...pickupPoints.map((p) => new Option(p.address ? `${p.name} — ${p.address}` : p.name, p.id)));
}

// ---- reserve, then order ----------------------------------------------------------------------------------

let heldTimer;
async function reserveOrRelease() {
  say('');
  if (reservation) {
    await call('DELETE', `/reservations/${reservation.id}`).catch(() => undefined);
    reservation = null;
    clearInterval(heldTimer);
    $('held').textContent = '';
    render();
    return;
  }
  // The reservation is pinned near the chosen destination, where the order will most likely be routed.
  const res = await call('POST', '/reservations', { lines: lines(), ttlSeconds: 600, fulfilment: fulfilment() }).catch(() => ({ status: 0 }));
  if (res.status !== 201) return say(res.status === 0 ? 'Cannot reach the store; try again.' : res.body.message);
  reservation = res.body;
  const tick = () => {
    const left = Math.max(0, Math.round((reservation.expiresAt - Date.now()) / 1000));
    $('held').textContent = `Held for you for ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    if (left === 0) {
      clearInterval(heldTimer);
      reservation = null;
      $('held').textContent = 'Your hold expired: reserve again.';
      render();
    }
  };
  tick();
  heldTimer = setInterval(tick, 1000);
  render();
}

const PENDING = 'popup-storefront-pending-order';

/**
 * Places the order. The Idempotency-Key is made once per order attempt and kept (with the exact body) in
 * sessionStorage until an answer arrives: a network failure, a timeout or a reload sends the SAME key and
 * body again, and the server answers with the first outcome instead of selling twice.
 */
async function placeOrder() {
  say('');
  const body = {
    reservationId: reservation.id,
    lines: lines(),
    payment: { method: 'card', amount: total(), reference: `demo-${Date.now()}` },
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
    if (res.status === 201) return showOrder(res.body.orderId);
    // A refusal (prices moved to the next tier, stock gone) is final for this key: the customer decides again.
    $('place').disabled = false;
    return say(res.body.message);
  }
  $('place').disabled = false;
  say('The store did not answer. Your order key is kept: pressing "Place order" again is safe.');
}

// ---- order status -----------------------------------------------------------------------------------------

async function showOrder(orderId) {
  clearInterval(heldTimer);
  reservation = null;
  cart.clear();
  history.replaceState(null, '', `?${new URLSearchParams({ ...Object.fromEntries(params), order: orderId })}`);
  $('shop').hidden = true;
  $('order').hidden = false;
  const names = new Map(pickupPoints.map((p) => [p.id, p.name]));
  const poll = async () => {
    const res = await call('GET', `/orders/${encodeURIComponent(orderId)}`).catch(() => undefined);
    if (!res || res.status !== 200) return;
    const o = res.body;
    $('order-number').textContent = `Order ${o.receiptNumber} · ${money(o.total)}`;
    const where = o.routedTo ? names.get(o.routedTo) ?? o.routedTo : 'the store';
    const km = o.distanceKm === null ? '' : ` (${o.distanceKm.toFixed(1)} km away)`;
    const collect = o.fulfilment?.type === 'pickup' ? o.fulfilment.locationId : undefined;
    $('order-routed').textContent =
      collect === undefined ? `Sent from ${where}${km}.` : collect === o.routedTo ? `Prepared at ${where}, where you collect it.` : `Prepared at ${where}${km}, to collect at ${names.get(collect) ?? collect}.`;
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
    return;
  }
  $('shop').hidden = false;
  $('reserve').onclick = () => void reserveOrRelease();
  $('place').onclick = () => void placeOrder();
  $('again').onclick = () => {
    const p = new URLSearchParams(location.search);
    p.delete('order');
    location.search = p.toString();
  };
  connectStock();
  void loadPickupPoints().then(() => {
    // A reload during checkout: finish the pending order with its key, or show the order placed.
    const pending = sessionStorage.getItem(PENDING);
    if (pending) void send(JSON.parse(pending));
    else if (params.get('order')) void showOrder(params.get('order'));
  });
}

start();
