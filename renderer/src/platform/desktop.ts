/**
 * The renderer's side of the desktop app's preload API (`window.popup`, present only in the desktop app).
 * Its type is the one the main process derives from its handler table (electron/ipc/popup-api.ts declares
 * it on `Window`), so a changed handler breaks this compile, not a till. Every function here resolves to
 * the value or rejects with an Error carrying the main process's message, ready to show the cashier.
 *
 * In a browser there is no bridge: `desktop()` is undefined, and the print helpers fall back to the
 * browser's print dialog.
 */
type Bridge = NonNullable<Window['popup']>;
type Unwrapped<R> = R extends Promise<infer X> ? (X extends { ok: true; value: infer V } ? V : never) : never;

export type Desktop = { [K in keyof Bridge]: (...args: Parameters<Bridge[K]>) => Promise<Unwrapped<ReturnType<Bridge[K]>>> };

export class DesktopError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'DesktopError';
  }
}

let cached: { bridge: Bridge; api: Desktop } | undefined;

/** The desktop functions, or undefined in a browser. */
export function desktop(): Desktop | undefined {
  const bridge = typeof window === 'undefined' ? undefined : window.popup;
  if (!bridge) return undefined;
  if (cached?.bridge === bridge) return cached.api;
  const api = Object.fromEntries(
    Object.entries(bridge).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        const result = await (fn as (...a: unknown[]) => Promise<{ ok: boolean; value?: unknown; error?: { type: string; message: string } }>)(...args);
        if (result.ok) return result.value;
        throw new DesktopError(result.error?.type ?? 'Error', result.error?.message ?? `${name} failed`);
      },
    ]),
  ) as Desktop;
  cached = { bridge, api };
  return api;
}

export function isDesktop(): boolean {
  return desktop() !== undefined;
}

export type PrintResult = { via: 'printer'; printer: string; warning?: string } | { via: 'dialog' };

/**
 * Prints a receipt: on the till's receipt printer in the desktop app when one is set up, else through the
 * browser's print dialog (which prints the on-screen receipt with the print stylesheet).
 */
export async function printReceipt(receipt: Parameters<Desktop['printReceipt']>[0]['receipt'], print: () => void = () => window.print()): Promise<PrintResult> {
  const d = desktop();
  if (!d || (await d.printerSettings()).kind === 'none') {
    print();
    return { via: 'dialog' };
  }
  const out = await d.printReceipt({ receipt });
  return { via: 'printer', printer: out.printer, ...(out.warning ? { warning: out.warning } : {}) };
}

/** Prints the Z report's text on the till's printer, or through the print dialog. */
export async function printZReport(text: string, print: () => void = () => window.print()): Promise<PrintResult> {
  const d = desktop();
  if (!d || (await d.printerSettings()).kind === 'none') {
    print();
    return { via: 'dialog' };
  }
  const out = await d.printZReport({ text });
  return { via: 'printer', printer: out.printer, ...(out.warning ? { warning: out.warning } : {}) };
}

/**
 * The device id the desktop app keeps in its user-data folder (electron/device-identity.ts), for the till's
 * database to be opened with: one identity per computer, surviving a cleared browser cache. Undefined in a
 * browser, where the database makes its own.
 */
export async function desktopDeviceId(): Promise<string | undefined> {
  const d = desktop();
  return d ? (await d.deviceInfo()).deviceId : undefined;
}
