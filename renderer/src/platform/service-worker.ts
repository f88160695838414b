/**
 * The browser till's offline shell (renderer/vite.config.ts builds sw.js with Workbox). What this decides:
 *
 * - **Only in a browser, over http(s).** The desktop app loads its own files from `app://popup` and needs no
 *   cache (Chromium registers no service worker on a custom scheme anyway); a page without
 *   `navigator.serviceWorker` (plain http on a LAN address is not a secure context) runs as before.
 * - **A new version never mixes with the old.** The worker precaches every file of one build; a newer build
 *   installs beside it and *waits*. It is switched to only here, when the page starts and before anything
 *   renders: the waiting worker is told to take over and the page loads once more, whole from the new build.
 *   So a cashier mid-sale is never reloaded, and the next reload (or reopening) brings the new version.
 * - **Looks for a new version** each time the page starts (the browser does that on navigation) and hourly
 *   while the till runs, so a till left open all weekend still has the new version ready for its next start.
 */

/** What the till's start needs of `navigator.serviceWorker` (a narrow type, so tests can hand in a fake). */
export interface WorkerContainer {
  readonly controller: unknown;
  getRegistration(): Promise<WorkerRegistration | undefined>;
  register(url: string, options?: RegistrationOptions): Promise<WorkerRegistration>;
  addEventListener(type: 'controllerchange', listener: () => void, options?: AddEventListenerOptions): void;
}

export interface WorkerRegistration {
  readonly waiting: { postMessage(message: unknown): void } | null;
  update(): Promise<unknown>;
}

export interface ShellEnvironment {
  /** `location.protocol` of the page. */
  protocol: string;
  /** `navigator.serviceWorker`, undefined where the browser offers none. */
  container: WorkerContainer | undefined;
  /** True in the desktop app (its preload bridge is present). */
  desktop: boolean;
  reload(): void;
  every(ms: number, fn: () => void): void;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
}

/** How long the till waits between looks for a new version while it runs. */
export const UPDATE_CHECK_MS = 60 * 60 * 1000;

/** The worker's file, next to index.html (vite-plugin-pwa's `filename`). */
export const WORKER_URL = './sw.js';

/** How long a waiting version gets to take over before the till starts on the version it has. */
export const SWITCH_TIMEOUT_MS = 5000;

export type ShellStart = 'no-worker' | 'registered' | 'switching';

/**
 * Runs before the till renders. Resolves `switching` when a waiting new version has taken over (the page is
 * loading again: render nothing), else once registration has been asked for. Registering needs no network
 * when the worker is installed already, so an unreachable server does not hold the till's start.
 */
export async function startShell(env: ShellEnvironment): Promise<ShellStart> {
  const sw = env.container;
  if (env.desktop || !sw || (env.protocol !== 'https:' && env.protocol !== 'http:')) return 'no-worker';
  const current = await sw.getRegistration().catch(() => undefined);
  if (current?.waiting && sw.controller) {
    const switched = new Promise<boolean>((resolve) => sw.addEventListener('controllerchange', () => resolve(true), { once: true }));
    current.waiting.postMessage({ type: 'SKIP_WAITING' });
    // A version that fails to take over must not leave the cashier at a blank page: start on the old one.
    if (await Promise.race([switched, env.sleep(SWITCH_TIMEOUT_MS).then(() => false)])) {
      env.reload();
      return 'switching';
    }
  }
  try {
    const reg = await sw.register(WORKER_URL, { scope: './', updateViaCache: 'none' });
    env.every(UPDATE_CHECK_MS, () => void reg.update().catch(() => undefined));
  } catch {
    // No worker (a private window, storage refused): the till still runs, only not offline-reloadable.
  }
  return 'registered';
}

/** The real page's environment. */
export function browserShell(): ShellEnvironment {
  return {
    protocol: location.protocol,
    container: 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
    desktop: window.popup !== undefined,
    reload: () => location.reload(),
    every: (ms, fn) => void setInterval(fn, ms),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
