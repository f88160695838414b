/**
 * Work over a crowd (10,000 streams watching a drop) done in slices of bounded time, yielding to the event
 * loop between them with setImmediate, so sockets, tills' sync and orders are served between slices
 * instead of waiting for the whole crowd (docs/api.md, "Live stock stream"). The budget bounds a slice only
 * if each call does its real work synchronously: a socket write must reach the kernel inside the call
 * (SseStream.offer uncorks), not in a nextTick after the slice, where no budget sees it.
 */
export interface SliceOptions {
  /** A slice stops once this much time has passed since it began (checked every `checkEvery` items). */
  budgetMs: number;
  /** The clock (performance.now by default; a test passes a fake one). */
  now?: () => number;
  /** How the next slice is scheduled (setImmediate by default: after pending I/O, unlike a microtask). */
  yieldTo?: (next: () => void) => void;
  /** Items between clock reads: a clock read costs about what a cheap item does. */
  checkEvery?: number;
  /** Told the number of items of each slice as it ends (for tests and measurements). */
  onSlice?: (items: number) => void;
}

/**
 * Calls `fn` on each item in order, at most ~budgetMs of it per turn of the event loop; resolves when all
 * are done. An item whose call throws is skipped (the crowd's other members still get theirs) and the
 * error reported to `onError`.
 */
export function forEachInSlices<T>(items: readonly T[], fn: (item: T) => void, opts: SliceOptions, onError: (err: unknown) => void = () => undefined): Promise<void> {
  const now = opts.now ?? (() => performance.now());
  const yieldTo = opts.yieldTo ?? ((next) => void setImmediate(next));
  const checkEvery = Math.max(1, opts.checkEvery ?? 4);
  let next = 0;
  return new Promise((resolve) => {
    const slice = () => {
      const until = now() + opts.budgetMs;
      const first = next;
      while (next < items.length) {
        try {
          fn(items[next++]!);
        } catch (err) {
          onError(err);
        }
        if ((next - first) % checkEvery === 0 && next < items.length && now() >= until) {
          opts.onSlice?.(next - first);
          yieldTo(slice);
          return;
        }
      }
      opts.onSlice?.(next - first);
      resolve();
    };
    slice();
  });
}
