import { PopupError } from '../base/errors.ts';
import type { Drop } from './pricing.ts';

/**
 * The online drop sells only between its start and its end. A shop page locks its buttons until the start
 * (from the server's clock), but a script does not read the page: the server refuses a reservation or an
 * order outside the window with one of these, so arriving a second early with curl gains nothing.
 */
export class DropNotStarted extends PopupError {
  constructor(readonly startsAt: number) {
    super(`the drop has not started: it opens at ${new Date(startsAt).toISOString()}`);
  }
}

export class DropEnded extends PopupError {
  constructor(readonly endedAt: number) {
    super(`the drop has ended (at ${new Date(endedAt).toISOString()})`);
  }
}

/** Throws DropNotStarted before `drop.startsAt` and DropEnded from `drop.endsAt` on (the end is exclusive). */
export function assertDropOpen(drop: Pick<Drop, 'startsAt' | 'endsAt'>, now: number): void {
  if (now < drop.startsAt) throw new DropNotStarted(drop.startsAt);
  if (now >= drop.endsAt) throw new DropEnded(drop.endsAt);
}
