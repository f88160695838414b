/**
 * How the desktop app was asked to run. Kiosk mode (full screen, no window frame: a touch till the cashier
 * cannot leave by accident) is chosen per machine by whoever sets it up: `--kiosk` on the command line
 * (a desktop shortcut), or POPUP_KIOSK=1 in its environment. Default off.
 */
export interface LaunchOptions {
  kiosk: boolean;
  /**
   * POPUP_USER_DATA_DIR: keep the till's data (IndexedDB, device identity, settings, the hub's store) in this
   * folder instead of the OS default — for a till run from a USB stick, and for tests that each need a fresh
   * till. Undefined: Electron's default user-data folder.
   */
  userDataDir?: string;
}

export function parseLaunchOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LaunchOptions {
  const flag = argv.includes('--kiosk');
  const fromEnv = env['POPUP_KIOSK'];
  const envOn = fromEnv === '1' || fromEnv?.toLowerCase() === 'true';
  const dir = env['POPUP_USER_DATA_DIR']?.trim();
  return { kiosk: flag || envOn, ...(dir ? { userDataDir: dir } : {}) };
}
