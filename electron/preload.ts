import { contextBridge, ipcRenderer } from 'electron';
import { API_NAMES, channelOf } from './ipc/api-names.ts';
import type { PopupBridge } from './ipc/popup-api.ts';

/**
 * The preload: puts `window.popup` in the page, a frozen object of named functions, each sending its one
 * argument on its own channel. Nothing else — no `ipcRenderer`, no channel names chosen by the page, no
 * Node (the preload runs sandboxed, bundled by `npm run build:electron`). What each function accepts is
 * checked again in the main process (ipc/validate.ts).
 */
const api = Object.fromEntries(API_NAMES.map((name) => [name, (input?: unknown) => ipcRenderer.invoke(channelOf(name), input)])) as unknown as PopupBridge;

contextBridge.exposeInMainWorld('popup', Object.freeze(api));
