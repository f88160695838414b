// The drop's clock, as a shop page must keep it: on the SERVER's time. A shopper's computer may be minutes
// off (or set on purpose); the server refuses orders outside the window anyway (DropNotStarted / DropEnded),
// so a page that trusted the local clock would unlock its buttons too early and show refusals. The page learns
// the server's time from the stock stream's snapshot (`serverTime`) or the GET /stock `Server-Time` header,
// keeps the offset, and counts down with it.

let offsetMs = 0;

/** Records the server's time as just read: `serverTime` (epoch ms) at the local moment `localNow`. */
export function syncServerClock(serverTime, localNow = Date.now()) {
  if (Number.isFinite(serverTime)) offsetMs = serverTime - localNow;
}

/** The server's time now, as best this page knows it (epoch ms). */
export function serverNow() {
  return Date.now() + offsetMs;
}

/** 'before' | 'live' | 'ended' for the drop window `{ startsAt, endsAt }` (end exclusive), as the server decides. */
export function phaseAt(drop, now = serverNow()) {
  if (!drop) return 'live';
  if (now < drop.startsAt) return 'before';
  if (now >= drop.endsAt) return 'ended';
  return 'live';
}

/** "2 d 04:05:09", "04:05:09", "05:09": whole seconds left, rounded up so 0 shows only at the moment itself. */
export function formatCountdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n) => String(n).padStart(2, '0');
  const clock = h > 0 || d > 0 ? `${two(h)}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
  return d > 0 ? `${d} d ${clock}` : clock;
}

/** Spoken form for screen readers ("2 hours 5 minutes"): announced at most once a minute, never every tick. */
export function speakCountdown(ms) {
  const minutes = Math.max(0, Math.ceil(ms / 60000));
  if (minutes < 1) return 'less than a minute';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const part = (n, unit) => (n === 0 ? '' : `${n} ${unit}${n === 1 ? '' : 's'}`);
  return [part(h, 'hour'), part(m, 'minute')].filter(Boolean).join(' ');
}
