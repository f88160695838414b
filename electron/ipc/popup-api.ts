import type { IpcResult } from './api-names.ts';
import type { Handler, Handlers } from './handlers.ts';

/**
 * The type of `window.popup` as the preload exposes it, derived from the main process's handler table:
 * each function takes what its validator returns and resolves to an `IpcResult` of what its action returns.
 * A handler that takes no input becomes a function of no arguments.
 *
 * It is declared on `Window` here, as a type only, so the renderer's accessor (renderer/src/platform/) sees
 * it without importing anything from electron/ (the import rules forbid that): no code crosses, only the
 * shape, and a change to a handler breaks the renderer's compile rather than a till at a venue.
 */
export type PopupBridge = {
  [K in keyof Handlers]: Handlers[K] extends Handler<infer I, infer O> ? ([I] extends [void] ? () => Promise<IpcResult<O>> : (input: I) => Promise<IpcResult<O>>) : never;
};

declare global {
  interface Window {
    /** Present only in the desktop app (the preload puts it there); absent in a browser. */
    popup?: PopupBridge;
  }
}
