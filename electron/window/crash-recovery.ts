import type { RenderProcessGoneDetails } from 'electron';

/**
 * A crashed or hung renderer is reloaded, and the cashier is back on the sell screen: the renderer keeps
 * nothing that matters in memory — every completed sale was written to IndexedDB in one transaction before
 * the screen said so, and on start `startPos` reopens that database and goes straight to selling when the
 * till has its event (and the signed-in cashier, kept in the same database). What is lost is only a cart
 * that had not been paid for yet.
 *
 * A renderer that keeps dying right after every reload (a bad build, a corrupt database) would reload in a
 * tight loop; after `maxReloads` within `windowMs` the tracker stops and shows the error page instead.
 */
export interface RecoverableContents {
  on(event: 'render-process-gone', listener: (event: unknown, details: RenderProcessGoneDetails) => void): unknown;
  on(event: 'unresponsive' | 'responsive', listener: () => void): unknown;
  isDestroyed(): boolean;
  forcefullyCrashRenderer(): void;
}

export interface RecoveryOptions {
  /** Loads the till again (main.ts: `win.loadURL(APP_ENTRY)`). */
  reload: () => void | Promise<void>;
  /** Shown when reloading does not help. */
  giveUp: (reason: string) => void;
  log: (message: string, fields: Record<string, unknown>) => void;
  now?: () => number;
  /** How long a hung renderer gets to recover by itself before it is killed and reloaded. Default 15 s. */
  hangGraceMs?: number;
  /** Default 3 reloads within 60 s. */
  maxReloads?: number;
  windowMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export function recoverRenderer(contents: RecoverableContents, opts: RecoveryOptions): void {
  const now = opts.now ?? Date.now;
  const maxReloads = opts.maxReloads ?? 3;
  const windowMs = opts.windowMs ?? 60_000;
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const reloads: number[] = [];
  let hang: unknown;
  let gaveUp = false;

  const reload = (why: string, fields: Record<string, unknown>) => {
    if (gaveUp || contents.isDestroyed()) return;
    const t = now();
    while (reloads.length && reloads[0]! <= t - windowMs) reloads.shift();
    if (reloads.length >= maxReloads) {
      gaveUp = true;
      opts.log('renderer keeps failing; not reloading again', { why, ...fields, reloads: reloads.length });
      opts.giveUp(`The till stopped ${reloads.length + 1} times in a row (${why}). Restart the app; if it happens again, contact support.`);
      return;
    }
    reloads.push(t);
    opts.log('reloading the till', { why, ...fields });
    void Promise.resolve(opts.reload()).catch((err: unknown) => opts.log('reload failed', { err: String(err) }));
  };

  contents.on('render-process-gone', (_event, details) => {
    clearTimer(hang);
    hang = undefined;
    // A clean exit is the app closing the window, not a crash.
    if (details.reason === 'clean-exit') return;
    reload('renderer gone', { reason: details.reason, exitCode: details.exitCode });
  });
  contents.on('unresponsive', () => {
    if (hang !== undefined) return;
    hang = setTimer(() => {
      hang = undefined;
      opts.log('renderer hung; restarting it', {});
      // Killing it fires render-process-gone ('killed'), which reloads through the same path and limit.
      contents.forcefullyCrashRenderer();
    }, opts.hangGraceMs ?? 15_000);
  });
  contents.on('responsive', () => {
    clearTimer(hang);
    hang = undefined;
  });
}
