/**
 * The names of the functions the preload exposes as `window.popup`, and the IPC channel each one uses. This
 * file imports nothing: the sandboxed preload is bundled with it and must not pull in Node modules.
 * handlers.ts checks at compile time that it has exactly one handler per name.
 */
export const API_NAMES = [
  'printReceipt',
  'printZReport',
  'openDrawer',
  'listPrinters',
  'printerSettings',
  'savePrinterSettings',
  'deviceInfo',
  'appVersion',
  'hubStart',
  'hubStop',
  'hubStatus',
  'hubPairingCode',
] as const;

export type ApiName = (typeof API_NAMES)[number];

export const channelOf = (name: ApiName): string => `popup:${name}`;

/** Every answer crosses the process boundary as a plain object: a value, or a tagged error to show. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { type: string; message: string } };
