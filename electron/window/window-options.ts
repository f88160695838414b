import type { BrowserWindowConstructorOptions, Rectangle, WebPreferences } from 'electron';

/**
 * Every window's web preferences. The renderer gets no Node, runs in Chromium's sandbox, and sees the
 * preload's few functions only through the context bridge (Electron security checklist items 2–4,
 * https://www.electronjs.org/docs/latest/tutorial/security). Spelt out even where they are Electron's
 * defaults, so a changed default can never loosen them, and a test holds them in place.
 */
export function secureWebPreferences(preload?: string): WebPreferences {
  return {
    ...(preload ? { preload } : {}),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // A till sells all day: timers must not be throttled while another window (a print dialog) is in front.
    backgroundThrottling: false,
  };
}

export interface MainWindowInput {
  preload: string;
  /** Remembered size and place (window-state.ts); absent on the first start. */
  bounds?: Rectangle;
  maximized?: boolean;
  /** Full-screen kiosk for a touch till: no window frame, no way out but the app's own. Default false. */
  kiosk?: boolean;
  icon?: string;
}

export const MIN_WIDTH = 1024;
export const MIN_HEIGHT = 700;

export function mainWindowOptions(input: MainWindowInput): BrowserWindowConstructorOptions {
  return {
    ...(input.bounds ?? { width: 1280, height: 800 }),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    title: 'Popup POS',
    backgroundColor: '#f6f5f2',
    // Shown once the first paint is ready, so the cashier never sees a white flash.
    show: false,
    autoHideMenuBar: true,
    kiosk: input.kiosk === true,
    fullscreen: input.kiosk === true,
    ...(input.icon ? { icon: input.icon } : {}),
    webPreferences: secureWebPreferences(input.preload),
  };
}

/**
 * The hidden window a receipt is rendered in for a system printer. No preload at all, and no JavaScript:
 * it only lays out the HTML it is given.
 */
export function printWindowOptions(): BrowserWindowConstructorOptions {
  return {
    show: false,
    width: 400,
    height: 800,
    webPreferences: { ...secureWebPreferences(), javascript: false, images: true },
  };
}
