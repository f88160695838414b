// The shopper's tracking page: /t/<id> on the sync server sends them here with the id in the fragment (never
// in a server log or a Referer). It reads GET /api/track/<id> (no token: the id is the credential) every few
// seconds; the browser revalidates with the ETag, so an order that has not moved costs a 304.
// ESLint: a plain browser script; these are the browser globals it uses.
/* global document, location, navigator, fetch, URLSearchParams, setTimeout */
import { STATUS_TEXT } from './order-status.js';

const SAY = {
  placed: 'We have your order.',
  allocated: 'Your order is being prepared.',
  picked: 'Your order is packed.',
  ready: 'Your order is ready: come and collect it.',
  shipped: 'Your order is on its way.',
  collected: 'Collected. Enjoy!',
  delivered: 'Delivered. Enjoy!',
};
const FINAL = ['collected', 'delivered'];

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const server = (params.get('server') || location.origin).replace(/\/$/, '');
const id = decodeURIComponent(location.hash.slice(1));

function render(o) {
  const money = (minor) => new Intl.NumberFormat(navigator.language, { style: 'currency', currency: o.currency }).format(minor / 100);
  $('track-number').textContent = `Order ${o.receiptNumber} · placed ${new Intl.DateTimeFormat(navigator.language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(o.createdAt))}`;
  $('track-status').textContent = SAY[o.status] ?? o.status;
  $('track-status').dataset.status = o.status;
  const at = new Map(o.history.map((h) => [h.status, h.at]));
  const reached = o.steps.indexOf(o.status);
  $('track-steps').replaceChildren(
    ...o.steps.map((s, i) => {
      const li = document.createElement('li');
      li.textContent = STATUS_TEXT[s] ?? s;
      if (i <= reached) li.className = 'done';
      if (s === o.status) li.setAttribute('aria-current', 'step');
      const when = at.get(s);
      if (when) li.title = new Intl.DateTimeFormat(navigator.language, { timeStyle: 'short' }).format(new Date(when));
      return li;
    }),
  );
  const placeInfo = o.collectAt ?? o.sentFrom;
  $('track-place').hidden = !placeInfo;
  if (placeInfo) {
    $('track-place-title').textContent = o.collectAt ? 'Collect it at' : 'Sent from';
    $('track-place-name').textContent = placeInfo.name;
    $('track-place-address').textContent = placeInfo.address ?? '';
    $('track-place-hours').textContent = placeInfo.openingHours ? `Open ${placeInfo.openingHours}` : '';
  }
  $('track-lines').replaceChildren(
    ...o.lines.map((l) => {
      const li = document.createElement('li');
      li.textContent = `${l.qty} × ${l.name} — ${money(l.gross)}`;
      return li;
    }),
  );
  $('track-total').textContent = `Total ${money(o.total)}`;
}

async function poll() {
  let res;
  try {
    res = await fetch(`${server}/api/track/${encodeURIComponent(id)}`, { cache: 'no-cache' });
  } catch {
    $('live').textContent = 'Offline: retrying…';
    $('live').classList.add('off');
    return setTimeout(poll, 5000);
  }
  if (res.status === 404) {
    $('live').textContent = 'Not found';
    $('track-error').textContent = 'We cannot find an order for this link. Check the link in your order confirmation.';
    return;
  }
  if (res.status === 200) {
    const o = await res.json();
    render(o);
    $('live').textContent = FINAL.includes(o.status) ? 'Done' : 'Live';
    $('live').classList.remove('off');
    if (FINAL.includes(o.status)) return;
  }
  setTimeout(poll, 2000);
}

if (!id) $('track-error').textContent = 'This page needs the tracking link from your order confirmation.';
else void poll();
