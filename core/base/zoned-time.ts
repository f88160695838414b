import { ValidationError } from './errors.ts';

/**
 * Wall-clock times typed by a person, in the EVENT's time zone (not the browser's): the organiser in London
 * setting up a Paris drop types Paris times. Conversions go through Intl only, so daylight-saving changes
 * come from the platform's zone data.
 */
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

function offsetMs(ms: number, timeZone: string): number {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = Object.fromEntries(fmt.formatToParts(ms).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p['year']), Number(p['month']) - 1, Number(p['day']), Number(p['hour']), Number(p['minute']), Number(p['second']));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * `YYYY-MM-DDTHH:mm` in `timeZone` → epoch ms. A time skipped by a spring-forward gap resolves to the
 * instant after the gap; a repeated autumn hour resolves to its first occurrence.
 */
export function zonedLocalToEpoch(local: string, timeZone: string): number {
  const m = LOCAL.exec(local);
  if (!m) throw new ValidationError('time', `"${local}" is not a date and time (YYYY-MM-DDTHH:mm)`);
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) throw new ValidationError('time', `"${local}" is not a valid date and time`);
  const naive = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes settle the offset: the first guess may sit on the other side of a DST change.
  const first = naive - offsetMs(naive, timeZone);
  const earlier = naive - offsetMs(first - 3_600_000, timeZone);
  const second = naive - offsetMs(first, timeZone);
  if (epochToZonedLocal(earlier, timeZone) === local && earlier <= second) return earlier;
  return second;
}

/** Epoch ms → `YYYY-MM-DDTHH:mm` in `timeZone` (what a datetime-local input shows). */
export function epochToZonedLocal(ms: number, timeZone: string): string {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const p = Object.fromEntries(fmt.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p['year']}-${p['month']}-${p['day']}T${p['hour']}:${p['minute']}`;
}
